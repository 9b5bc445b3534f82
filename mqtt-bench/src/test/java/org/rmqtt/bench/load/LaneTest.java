package org.rmqtt.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.rmqtt.bench.payload.PayloadCodec;

class LaneTest {

    private final PayloadCodec codec = new PayloadCodec(5, 32);

    @Test
    void inFlightWindowStopsSendingUntilConfirmationsReturn() throws Exception {
        List<CompletableFuture<Void>> outstanding = new ArrayList<>();
        Lane lane = new Lane(0, "t", payload -> {
            CompletableFuture<Void> future = new CompletableFuture<>();
            outstanding.add(future);
            return future;
        }, codec, 2);

        assertThat(lane.trySendNext(1)).isTrue();
        assertThat(lane.trySendNext(2)).isTrue();
        assertThat(lane.trySendNext(3)).as("window of 2 is full").isFalse();
        assertThat(lane.unresolved()).isEqualTo(2);
        assertThat(lane.awaitSettled(System.nanoTime())).isFalse();

        outstanding.get(0).complete(null);
        outstanding.get(1).completeExceptionally(new IllegalStateException("refused"));

        assertThat(lane.trySendNext(4)).isTrue();
        outstanding.get(2).complete(null);
        assertThat(lane.awaitSettled(System.nanoTime() + 1_000_000_000L)).isTrue();
        assertThat(lane.attempted()).isEqualTo(3);
        assertThat(lane.confirmedCount()).isEqualTo(2);
        assertThat(lane.failed()).isEqualTo(1);
        assertThat(lane.unresolved()).isZero();
        assertThat(lane.confirmed().stream().toArray()).containsExactly(0, 2);
        assertThat(lane.firstFailure()).hasMessage("refused");
    }

    @Test
    void aSenderThatThrowsCountsAsAFailureAndFreesItsSlot() {
        Lane lane = new Lane(0, "t", payload -> {
            throw new IllegalStateException("socket gone");
        }, codec, 1);

        assertThat(lane.trySendNext(1)).isTrue();
        assertThat(lane.trySendNext(2)).isTrue();

        assertThat(lane.failed()).isEqualTo(2);
        assertThat(lane.confirmedCount()).isZero();
        assertThat(lane.unresolved()).isZero();
    }

    @Test
    void stampsSourceSequenceAndTimeIntoThePayload() {
        List<byte[]> sent = new ArrayList<>();
        Lane lane = new Lane(9, "t", payload -> {
            sent.add(payload);
            return CompletableFuture.completedFuture(null);
        }, codec, 4);

        lane.trySendNext(111);
        lane.trySendNext(222);

        assertThat(codec.decode(sent.get(1))).isEqualTo(new org.rmqtt.bench.payload.Payload(5, 9, 1, 222));
    }
}
