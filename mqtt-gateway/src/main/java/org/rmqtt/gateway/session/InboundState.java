package org.rmqtt.gateway.session;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import org.rmqtt.store.PublishRequest;

/**
 * Client → server flow of one session, confined to its event loop: a lane per topic (a topic's
 * messages are stored one write after the other, so their order survives), and the QoS 2 packet
 * ids stored but not yet released.
 */
public final class InboundState {
    private final Map<String, Lane> lanes = new HashMap<>();
    /** QoS 2 packet id → whether the store confirmed it (then a repeated PUBLISH gets PUBREC again). */
    private final Map<Integer, Boolean> awaitingRelease = new HashMap<>();
    private int storing;
    private long storingBytes;
    private int peakStoring;

    /** A message accepted from the client, not yet stored. */
    public record Incoming(PublishRequest request, int packetId) {}

    /** Messages of one topic waiting for the write before them. */
    public static final class Lane {
        public final ArrayDeque<Incoming> waiting = new ArrayDeque<>();
        public boolean writing;
    }

    public Lane lane(String topic) {
        return lanes.computeIfAbsent(topic, t -> new Lane());
    }

    /** Drops an idle lane so that a client publishing to many topics does not pile them up. */
    public void dropIfIdle(String topic, Lane lane) {
        if (!lane.writing && lane.waiting.isEmpty()) {
            lanes.remove(topic, lane);
        }
    }

    public Map<Integer, Boolean> awaitingRelease() {
        return awaitingRelease;
    }

    /** Publishes accepted but not yet confirmed by the store, for read back-pressure. */
    public int storing() {
        return storing;
    }

    /** Their payload bytes. */
    public long storingBytes() {
        return storingBytes;
    }

    /** The most publishes that waited for the store at once on this connection (tests, operators). */
    public int peakStoring() {
        return peakStoring;
    }

    public void storing(int messages, long bytes) {
        storing += messages;
        storingBytes += bytes;
        peakStoring = Math.max(peakStoring, storing);
    }
}
