package org.rmqtt.bench.stats;

import java.util.BitSet;

/**
 * What one receiver got from one sender: which sequence numbers arrived, how often, in what order.
 *
 * <p>A bit per sequence number keeps the accounting exact (a message that arrives late is out of
 * order, not lost) at one bit per message sent: a million messages cost 125 KB per pair.
 * Not thread-safe; the owning {@link org.rmqtt.bench.load.Sink} serialises access.
 */
public final class SequenceTracker {

    /** What a single arrival was. */
    public enum Arrival { IN_ORDER, OUT_OF_ORDER, DUPLICATE }

    private final BitSet seen = new BitSet();
    private long highest = -1;
    private long received;
    private long duplicates;
    private long outOfOrder;

    public Arrival record(long sequence) {
        if (sequence < 0 || sequence > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("sequence out of range: " + sequence);
        }
        received++;
        int index = (int) sequence;
        if (seen.get(index)) {
            duplicates++;
            return Arrival.DUPLICATE;
        }
        seen.set(index);
        if (sequence < highest) {
            outOfOrder++;
            return Arrival.OUT_OF_ORDER;
        }
        highest = sequence;
        return Arrival.IN_ORDER;
    }

    /** Every arrival, duplicates included. */
    public long received() {
        return received;
    }

    public long unique() {
        return seen.cardinality();
    }

    public long duplicates() {
        return duplicates;
    }

    public long outOfOrder() {
        return outOfOrder;
    }

    /** How many of the {@code expected} sequence numbers never arrived. */
    public long missing(BitSet expected) {
        BitSet missing = (BitSet) expected.clone();
        missing.andNot(seen);
        return missing.cardinality();
    }

    /** Whether every sequence number in {@code expected} arrived. */
    public boolean hasAll(BitSet expected, long expectedCount) {
        return seen.cardinality() >= expectedCount && missing(expected) == 0;
    }
}
