package org.rmqtt.gateway.auth;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Asks its authenticators in order: the first allow or deny wins; when all of them ignore the
 * CONNECT it is refused with 0x05. One that fails refuses it with 0x03 (server unavailable).
 */
public final class AuthChain implements Authenticator {
    private final List<Authenticator> authenticators;

    public AuthChain(List<Authenticator> authenticators) {
        this.authenticators = List.copyOf(authenticators);
    }

    @Override
    public CompletionStage<AuthDecision> authenticate(Credentials credentials) {
        return ask(0, credentials);
    }

    private CompletionStage<AuthDecision> ask(int index, Credentials credentials) {
        if (index == authenticators.size()) {
            return CompletableFuture.completedFuture(AuthDecision.notAuthorized(
                    index == 0 ? "auth.chain is empty" : "no authenticator of auth.chain let it in"));
        }
        CompletionStage<AuthDecision> answer;
        try {
            answer = authenticators.get(index).authenticate(credentials);
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        return answer.exceptionally(e -> AuthDecision.unavailable("authenticator failed: " + e))
                .thenCompose(d -> d.outcome() == AuthDecision.Outcome.IGNORE ? ask(index + 1, credentials)
                        : CompletableFuture.completedFuture(d));
    }
}
