package org.rmqtt.bench.load;

import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.rmqtt.bench.payload.Payload;
import org.rmqtt.bench.payload.PayloadCodec;
import org.rmqtt.bench.stats.SequenceTracker;

/**
 * One receiver (an MQTT subscriber or a RocketMQ consumer): it decodes what arrives, records the
 * end-to-end latency and keeps per-sender loss, duplicate and order accounting.
 */
public final class Sink {

    /** Source id of readiness probes: they prove the path works and are kept out of all counts. */
    public static final int PROBE_SOURCE = Integer.MAX_VALUE;
    /** Lane counts up to this always get the plain array. */
    private static final int DENSE_LANES = 1024;

    private final int id;
    private final String name;
    private final PayloadCodec codec;
    private final Meter meter;
    /**
     * The lanes this sink must hear, and their trackers in the same order. With many devices (N
     * publishers, each heard by one of N subscribers) an array per sink indexed by lane id would
     * take N × N slots, so lookups go through a map when the sink hears only a few of many lanes.
     */
    private final int[] lanes;
    private final SequenceTracker[] trackers;
    /** Indexed by lane id, null where not heard; only when dense. */
    private final SequenceTracker[] byLane;
    /** Lane id to tracker; only when sparse. */
    private final Map<Integer, SequenceTracker> byLaneSparse;
    private long foreign;
    private long unexpected;
    private volatile boolean probeSeen;

    /**
     * @param laneCount  number of lanes in the run (lane ids are 0..laneCount-1)
     * @param expectedLanes the lanes whose every confirmed message this sink should receive
     */
    public Sink(int id, String name, PayloadCodec codec, Meter meter, int laneCount, List<Integer> expectedLanes) {
        this.id = id;
        this.name = name;
        this.codec = codec;
        this.meter = meter;
        this.lanes = expectedLanes.stream().mapToInt(Integer::intValue).toArray();
        this.trackers = new SequenceTracker[lanes.length];
        boolean dense = laneCount <= DENSE_LANES || lanes.length * 8L >= laneCount;
        this.byLane = dense ? new SequenceTracker[laneCount] : null;
        this.byLaneSparse = dense ? null : new HashMap<>();
        for (int i = 0; i < lanes.length; i++) {
            trackers[i] = new SequenceTracker();
            if (dense) {
                byLane[lanes[i]] = trackers[i];
            } else {
                byLaneSparse.put(lanes[i], trackers[i]);
            }
        }
    }

    private SequenceTracker tracker(int lane) {
        if (byLane != null) {
            return lane >= 0 && lane < byLane.length ? byLane[lane] : null;
        }
        return byLaneSparse.get(lane);
    }

    /** The lanes this sink must hear. */
    int[] lanes() {
        return lanes;
    }

    public int id() {
        return id;
    }

    public String name() {
        return name;
    }

    /** Called by the client library for every message; {@code payload} is not consumed. */
    public void onMessage(ByteBuffer payload, long receivedNanos) {
        Payload header = codec.decode(payload);
        synchronized (this) {
            if (header == null) {
                foreign++;
                return;
            }
            if (header.sourceId() == PROBE_SOURCE) {
                probeSeen = true;
                return;
            }
            SequenceTracker tracker = tracker(header.sourceId());
            if (tracker == null) {
                unexpected++;
                return;
            }
            tracker.record(header.sequence());
        }
        meter.delivered(receivedNanos - header.sentNanos(), header.sentNanos());
    }

    /** Whether this sink is meant to receive the messages of {@code lane}. */
    boolean listensTo(int lane) {
        return tracker(lane) != null;
    }

    public boolean probeSeen() {
        return probeSeen;
    }

    /** Whether every message confirmed to the lanes this sink listens to has arrived. */
    synchronized boolean complete(Map<Integer, BitSet> confirmedByLane, Map<Integer, Long> confirmedCounts) {
        for (int i = 0; i < lanes.length; i++) {
            if (!trackers[i].hasAll(confirmedByLane.get(lanes[i]), confirmedCounts.get(lanes[i]))) {
                return false;
            }
        }
        return true;
    }

    synchronized SinkReport report(Map<Integer, BitSet> confirmedByLane, Map<Integer, Long> confirmedCounts) {
        long expected = 0;
        long received = 0;
        long unique = 0;
        long lost = 0;
        long duplicates = 0;
        long outOfOrder = 0;
        for (int i = 0; i < lanes.length; i++) {
            int lane = lanes[i];
            SequenceTracker tracker = trackers[i];
            expected += confirmedCounts.get(lane);
            received += tracker.received();
            unique += tracker.unique();
            lost += tracker.missing(confirmedByLane.get(lane));
            duplicates += tracker.duplicates();
            outOfOrder += tracker.outOfOrder();
        }
        return new SinkReport(id, name, expected, received, unique, lost, duplicates, outOfOrder, foreign, unexpected);
    }

    /** Counts of one receiver at the end of a run. */
    public record SinkReport(int id, String name, long expected, long received, long unique, long lost,
                             long duplicates, long outOfOrder, long foreign, long unexpected) {

        public boolean clean() {
            return lost == 0 && duplicates == 0 && outOfOrder == 0 && unexpected == 0;
        }

        public Map<String, Object> toJson() {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("id", id);
            json.put("name", name);
            json.put("expected", expected);
            json.put("received", received);
            json.put("unique", unique);
            json.put("lost", lost);
            json.put("duplicates", duplicates);
            json.put("out_of_order", outOfOrder);
            json.put("foreign", foreign);
            json.put("unexpected", unexpected);
            return json;
        }
    }
}
