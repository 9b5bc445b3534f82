package org.rmqtt.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.rmqtt.bench.payload.PayloadCodec;

class SinkTest {

    private final PayloadCodec codec = new PayloadCodec(77, 40);
    private final Meter meter = new Meter();

    private void deliver(Sink sink, int lane, long sequence) {
        sink.onMessage(ByteBuffer.wrap(codec.encode(lane, sequence, System.nanoTime())), System.nanoTime());
    }

    private static BitSet range(int to) {
        BitSet bits = new BitSet();
        bits.set(0, to);
        return bits;
    }

    @Test
    void accountsPerSenderAndSumsOverTheSendersItListensTo() {
        Sink sink = new Sink(0, "s0", codec, meter, 3, List.of(0, 2));
        for (int i = 0; i < 5; i++) {
            deliver(sink, 0, i);
        }
        deliver(sink, 2, 1);
        deliver(sink, 2, 0); // late
        deliver(sink, 2, 1); // again
        Map<Integer, BitSet> confirmed = Map.of(0, range(5), 1, range(9), 2, range(3));
        Map<Integer, Long> counts = Map.of(0, 5L, 1, 9L, 2, 3L);

        Sink.SinkReport report = sink.report(confirmed, counts);

        assertThat(report.expected()).as("lane 1 is not this sink's").isEqualTo(8);
        assertThat(report.received()).isEqualTo(8);
        assertThat(report.unique()).isEqualTo(7);
        assertThat(report.lost()).as("lane 2 sequence 2 never came").isEqualTo(1);
        assertThat(report.duplicates()).isEqualTo(1);
        assertThat(report.outOfOrder()).isEqualTo(1);
        assertThat(report.clean()).isFalse();
        assertThat(sink.complete(confirmed, counts)).isFalse();
        assertThat(meter.deliveries()).as("every arrival of this run counts as a delivery").isEqualTo(8);
    }

    @Test
    void keepsProbesForeignAndUnexpectedMessagesOutOfTheCounts() {
        Sink sink = new Sink(0, "s0", codec, meter, 2, List.of(0));
        sink.onMessage(ByteBuffer.wrap(codec.encode(Sink.PROBE_SOURCE, 0, 0)), 1);
        sink.onMessage(ByteBuffer.wrap(new PayloadCodec(78, 40).encode(0, 0, 0)), 1);
        sink.onMessage(ByteBuffer.wrap("retained junk".getBytes()), 1);
        sink.onMessage(null, 1);
        deliver(sink, 1, 0);
        deliver(sink, 0, 0);

        Sink.SinkReport report = sink.report(Map.of(0, range(1), 1, range(1)), Map.of(0, 1L, 1, 1L));

        assertThat(sink.probeSeen()).isTrue();
        assertThat(report.foreign()).isEqualTo(3);
        assertThat(report.unexpected()).isEqualTo(1);
        assertThat(report.expected()).isEqualTo(1);
        assertThat(report.received()).isEqualTo(1);
        assertThat(report.lost()).isZero();
        assertThat(report.clean()).as("a message from a sender it did not subscribe to is a routing error").isFalse();
        assertThat(sink.listensTo(0)).isTrue();
        assertThat(sink.listensTo(1)).isFalse();
    }

    @Test
    void isCompleteOnceEveryConfirmedMessageArrived() {
        Sink sink = new Sink(0, "s0", codec, meter, 1, List.of(0));
        Map<Integer, BitSet> confirmed = Map.of(0, range(3));
        Map<Integer, Long> counts = Map.of(0, 3L);
        deliver(sink, 0, 0);
        deliver(sink, 0, 2);
        assertThat(sink.complete(confirmed, counts)).isFalse();

        deliver(sink, 0, 1);

        assertThat(sink.complete(confirmed, counts)).isTrue();
        assertThat(sink.report(confirmed, counts).clean()).isFalse(); // 1 came after 2
    }

    @Test
    void aSinkHearingOneOfManyLanesAccountsTheSameWay() {
        // Many devices: 5,000 lanes, this sink hears one of them (the sparse lookup).
        Sink sink = new Sink(0, "s0", codec, meter, 5000, List.of(4321));
        deliver(sink, 4321, 0);
        deliver(sink, 4321, 2);
        deliver(sink, 17, 0);
        Map<Integer, BitSet> confirmed = Map.of(4321, range(3), 17, range(1));
        Map<Integer, Long> counts = Map.of(4321, 3L, 17, 1L);

        Sink.SinkReport report = sink.report(confirmed, counts);

        assertThat(sink.listensTo(4321)).isTrue();
        assertThat(sink.listensTo(17)).isFalse();
        assertThat(sink.lanes()).containsExactly(4321);
        assertThat(report.expected()).isEqualTo(3);
        assertThat(report.received()).isEqualTo(2);
        assertThat(report.lost()).isEqualTo(1);
        assertThat(report.unexpected()).isEqualTo(1);
        assertThat(sink.complete(confirmed, counts)).isFalse();
        deliver(sink, 4321, 1);
        assertThat(sink.complete(confirmed, counts)).isTrue();
    }
}
