package org.rmqtt.gateway.auth;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;

/** The client certificate the TLS handshake of a connection verified, if any. */
final class PeerCertificates {

    private PeerCertificates() {
    }

    /** The CN of the verified client certificate of {@code channel}, or null (plain TCP, no certificate). */
    static String commonName(Channel channel) {
        SslHandler ssl = channel.pipeline().get(SslHandler.class);
        if (ssl == null) {
            return null;
        }
        try {
            Certificate[] chain = ssl.engine().getSession().getPeerCertificates();
            if (chain.length == 0 || !(chain[0] instanceof X509Certificate x509)) {
                return null;
            }
            return commonName(x509.getSubjectX500Principal().getName());
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    /** The most specific CN of an RFC 2253 distinguished name, or null. */
    static String commonName(String distinguishedName) {
        try {
            String cn = null;
            for (Rdn rdn : new LdapName(distinguishedName).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    cn = rdn.getValue().toString(); // RDNs run from least to most specific
                }
            }
            return cn;
        } catch (InvalidNameException e) {
            return null;
        }
    }
}
