package org.rmqtt.gateway.auth;

import java.util.concurrent.CompletionStage;

/**
 * Decides whether a CONNECT may in. Called on an event loop: an implementation never blocks it
 * (slow work runs elsewhere and completes the stage later).
 */
public interface Authenticator {

    CompletionStage<AuthDecision> authenticate(Credentials credentials);
}
