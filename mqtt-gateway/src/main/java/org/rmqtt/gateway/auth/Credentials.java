package org.rmqtt.gateway.auth;

import java.util.Arrays;

/**
 * What a CONNECT presents. The password is never part of {@link #toString}, so the record may be
 * logged.
 *
 * @param username        the CONNECT's user name (or the certificate CN with auth.certificateAs=username), or null
 * @param password        the CONNECT's password bytes, or null
 * @param peerAddress     the client's address, host:port
 * @param certCommonName  the CN of a verified client certificate, or null
 */
public record Credentials(String clientId, String username, byte[] password, String peerAddress, String certCommonName) {

    public Identity identity() {
        return new Identity(clientId, username, certCommonName);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Credentials c && java.util.Objects.equals(clientId, c.clientId)
                && java.util.Objects.equals(username, c.username) && Arrays.equals(password, c.password)
                && java.util.Objects.equals(peerAddress, c.peerAddress)
                && java.util.Objects.equals(certCommonName, c.certCommonName);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(clientId, username, Arrays.hashCode(password), peerAddress, certCommonName);
    }

    @Override
    public String toString() {
        return "Credentials[clientId=" + clientId + ", username=" + username + ", password="
                + (password == null ? "none" : "***") + ", peerAddress=" + peerAddress + ", certCommonName=" + certCommonName + "]";
    }
}
