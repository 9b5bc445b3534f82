package org.rmqtt.gateway.auth;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Lets in a CONNECT without a user name; one with a user name is for the next authenticator. */
final class AnonymousAuthenticator implements Authenticator {
    private static final CompletableFuture<AuthDecision> ALLOW = CompletableFuture.completedFuture(AuthDecision.allow("anonymous"));
    private static final CompletableFuture<AuthDecision> IGNORE = CompletableFuture.completedFuture(AuthDecision.ignore());

    @Override
    public CompletionStage<AuthDecision> authenticate(Credentials credentials) {
        return credentials.username() == null ? ALLOW : IGNORE;
    }
}
