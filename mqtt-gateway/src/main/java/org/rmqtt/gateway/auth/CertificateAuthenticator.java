package org.rmqtt.gateway.auth;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Lets in a connection whose TLS handshake verified a client certificate; others are for the next one. */
final class CertificateAuthenticator implements Authenticator {

    @Override
    public CompletionStage<AuthDecision> authenticate(Credentials credentials) {
        return CompletableFuture.completedFuture(credentials.certCommonName() == null ? AuthDecision.ignore()
                : AuthDecision.allow("client certificate CN=" + credentials.certCommonName()));
    }
}
