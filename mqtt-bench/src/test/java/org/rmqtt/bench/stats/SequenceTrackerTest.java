package org.rmqtt.bench.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.BitSet;
import org.junit.jupiter.api.Test;
import org.rmqtt.bench.stats.SequenceTracker.Arrival;

class SequenceTrackerTest {

    private static BitSet range(int from, int to) {
        BitSet bits = new BitSet();
        bits.set(from, to);
        return bits;
    }

    @Test
    void countsAnInOrderStreamAsCleanAndComplete() {
        SequenceTracker tracker = new SequenceTracker();
        for (int i = 0; i < 100; i++) {
            assertThat(tracker.record(i)).isEqualTo(Arrival.IN_ORDER);
        }

        assertThat(tracker.received()).isEqualTo(100);
        assertThat(tracker.unique()).isEqualTo(100);
        assertThat(tracker.duplicates()).isZero();
        assertThat(tracker.outOfOrder()).isZero();
        assertThat(tracker.missing(range(0, 100))).isZero();
        assertThat(tracker.hasAll(range(0, 100), 100)).isTrue();
    }

    @Test
    void aLateMessageIsOutOfOrderNotLost() {
        SequenceTracker tracker = new SequenceTracker();
        tracker.record(0);
        tracker.record(2);
        tracker.record(3);
        assertThat(tracker.missing(range(0, 4))).isEqualTo(1);

        assertThat(tracker.record(1)).isEqualTo(Arrival.OUT_OF_ORDER);

        assertThat(tracker.outOfOrder()).isEqualTo(1);
        assertThat(tracker.missing(range(0, 4))).isZero();
    }

    @Test
    void aRepeatIsADuplicateWhetherEarlyOrLate() {
        SequenceTracker tracker = new SequenceTracker();
        tracker.record(0);
        tracker.record(1);

        assertThat(tracker.record(1)).isEqualTo(Arrival.DUPLICATE);
        assertThat(tracker.record(0)).isEqualTo(Arrival.DUPLICATE);

        assertThat(tracker.received()).isEqualTo(4);
        assertThat(tracker.unique()).isEqualTo(2);
        assertThat(tracker.duplicates()).isEqualTo(2);
        assertThat(tracker.outOfOrder()).isZero();
    }

    @Test
    void lossIsCountedOnlyAgainstWhatWasConfirmed() {
        SequenceTracker tracker = new SequenceTracker();
        tracker.record(0);
        tracker.record(4); // Arrived although its send was never confirmed: not a loss, not a gap filler.
        BitSet confirmed = range(0, 4);

        assertThat(tracker.missing(confirmed)).isEqualTo(3);
        assertThat(tracker.hasAll(confirmed, 4)).isFalse();
    }

    @Test
    void rejectsSequenceNumbersOutsideTheBitSet() {
        SequenceTracker tracker = new SequenceTracker();

        assertThatThrownBy(() -> tracker.record(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> tracker.record(Integer.MAX_VALUE + 1L)).isInstanceOf(IllegalArgumentException.class);
    }
}
