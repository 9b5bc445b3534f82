package org.rmqtt.bench.load;

import java.nio.ByteBuffer;
import java.util.BitSet;
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

    private final int id;
    private final String name;
    private final PayloadCodec codec;
    private final Meter meter;
    /** Indexed by lane id; null where this sink is not meant to hear that lane. */
    private final SequenceTracker[] trackers;
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
        this.trackers = new SequenceTracker[laneCount];
        for (int lane : expectedLanes) {
            trackers[lane] = new SequenceTracker();
        }
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
            SequenceTracker tracker = header.sourceId() < trackers.length ? trackers[header.sourceId()] : null;
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
        return lane < trackers.length && trackers[lane] != null;
    }

    public boolean probeSeen() {
        return probeSeen;
    }

    /** Whether every message confirmed to the lanes this sink listens to has arrived. */
    synchronized boolean complete(Map<Integer, BitSet> confirmedByLane, Map<Integer, Long> confirmedCounts) {
        for (int lane = 0; lane < trackers.length; lane++) {
            if (trackers[lane] != null && !trackers[lane].hasAll(confirmedByLane.get(lane), confirmedCounts.get(lane))) {
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
        for (int lane = 0; lane < trackers.length; lane++) {
            SequenceTracker tracker = trackers[lane];
            if (tracker == null) {
                continue;
            }
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
