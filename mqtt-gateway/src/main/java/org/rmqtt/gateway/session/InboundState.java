package org.rmqtt.gateway.session;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Client → server flow of one session, confined to its event loop: the tail of the store chain per
 * topic (messages of a topic are stored one after the other, so their order survives), and the
 * QoS 2 packet ids stored but not yet released.
 */
public final class InboundState {
    private final Map<String, CompletableFuture<Void>> tails = new HashMap<>();
    /** QoS 2 packet id → whether the store confirmed it (then a repeated PUBLISH gets PUBREC again). */
    private final Map<Integer, Boolean> awaitingRelease = new HashMap<>();
    private int storing;

    /** The previous store of {@code topic} still running, or null. */
    public CompletableFuture<Void> tail(String topic) {
        return tails.get(topic);
    }

    public void tail(String topic, CompletableFuture<Void> tail) {
        tails.put(topic, tail);
    }

    /** Forgets {@code tail} once done, unless a later store replaced it. */
    public void done(String topic, CompletableFuture<Void> tail) {
        tails.remove(topic, tail);
    }

    public Map<Integer, Boolean> awaitingRelease() {
        return awaitingRelease;
    }

    /** Publishes accepted but not yet confirmed by the store, for read back-pressure. */
    public int storing() {
        return storing;
    }

    public void storing(int delta) {
        storing += delta;
    }
}
