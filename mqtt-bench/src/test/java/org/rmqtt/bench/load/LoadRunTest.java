package org.rmqtt.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.rmqtt.bench.cli.Rate;
import org.rmqtt.bench.env.ProcStatus;
import org.rmqtt.bench.payload.PayloadCodec;

/**
 * The timeline and the accounting end to end, with an in-memory "server" in place of the network:
 * every confirmed message is handed straight to the receivers, except where a test makes it lose,
 * repeat or reorder some.
 */
class LoadRunTest {

    private final PayloadCodec codec = new PayloadCodec(11, 40);

    /** Delivers to every sink, dropping the messages {@code drop} selects and repeating those {@code repeat} selects. */
    private MessageSender loopback(List<Sink> sinks, java.util.function.LongPredicate drop,
                                   java.util.function.LongPredicate repeat) {
        AtomicLong count = new AtomicLong();
        return payload -> {
            long n = count.getAndIncrement();
            if (!drop.test(n)) {
                for (Sink sink : sinks) {
                    sink.onMessage(ByteBuffer.wrap(payload), System.nanoTime());
                    if (repeat.test(n)) {
                        sink.onMessage(ByteBuffer.wrap(payload), System.nanoTime());
                    }
                }
            }
            return CompletableFuture.completedFuture(null);
        };
    }

    private LoadRun.Plan plan(Rate rate) {
        return new LoadRun.Plan("test", "in-memory", Map.of(), rate, Duration.ofMillis(200), Duration.ofMillis(800),
            Duration.ofMillis(300), 1, 100);
    }

    @Test
    void fixedRateRunDeliversEverythingAndMeasuresTheRate() throws Exception {
        Meter meter = new Meter();
        List<Sink> sinks = List.of(new Sink(0, "a", codec, meter, 2, List.of(0, 1)), new Sink(1, "b", codec, meter, 2, List.of(0, 1)));
        List<Lane> lanes = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            lanes.add(new Lane(i, "t", loopback(sinks, n -> false, n -> false), codec, 8));
        }

        LoadResult result = new LoadRun(plan(new Rate(2000)), lanes, sinks, meter, null, null).run();

        assertThat(result.attempted()).isBetween(1800L, 2100L);
        assertThat(result.confirmed()).isEqualTo(result.attempted());
        assertThat(result.totals().expected()).isEqualTo(2 * result.confirmed());
        assertThat(result.totals().received()).isEqualTo(result.totals().expected());
        assertThat(result.totals().lost()).isZero();
        assertThat(result.drained()).isTrue();
        assertThat(result.confirmedPerSecond()).as("2,000 msg/s, give or take a busy machine").isBetween(1700.0, 2300.0);
        assertThat(result.receivedPerSecond()).isBetween(3400.0, 4600.0);
        assertThat(result.latency().count()).as("warm-up messages carry no latency sample")
            .isLessThan(result.totals().received()).isGreaterThan(0);
        assertThat(result.summary()).contains("lost 0", "2 of 2 without loss");
    }

    @Test
    void reportsExactlyTheMessagesTheServerDroppedOrRepeated() throws Exception {
        Meter meter = new Meter();
        List<Sink> sinks = new ArrayList<>();
        sinks.add(new Sink(0, "only", codec, meter, 1, List.of(0)));
        Lane lane = new Lane(0, "t", loopback(sinks, n -> n % 10 == 3, n -> n % 50 == 7), codec, 8);

        LoadResult result = new LoadRun(plan(new Rate(1000)), List.of(lane), sinks, meter, null, null).run();

        long sent = result.confirmed();
        long dropped = (sent + 6) / 10; // n = 3, 13, 23, ... below sent
        long repeated = (sent + 42) / 50; // n = 7, 57, ...
        assertThat(result.totals().lost()).isEqualTo(dropped);
        assertThat(result.totals().duplicates()).isEqualTo(repeated);
        assertThat(result.totals().outOfOrder()).isZero();
        assertThat(result.drained()).as("gives up after --drain, does not hang").isFalse();
        assertThat(result.sinks().get(0).clean()).isFalse();
    }

    @Test
    void maxRateIsHeldBackByTheEndToEndBacklog() throws Exception {
        Meter meter = new Meter();
        List<Sink> sinks = List.of(new Sink(0, "slow", codec, meter, 1, List.of(0)));
        List<byte[]> parked = new ArrayList<>();
        // A server that confirms at once but never delivers: only the backlog can stop the publisher.
        Lane lane = new Lane(0, "t", payload -> {
            synchronized (parked) {
                parked.add(payload);
            }
            return CompletableFuture.completedFuture(null);
        }, codec, 8);
        LoadRun.Plan plan = new LoadRun.Plan("test", "stuck", Map.of(), Rate.MAX, Duration.ZERO, Duration.ofMillis(700),
            Duration.ZERO, 1, 100);

        LoadResult result = new LoadRun(plan, List.of(lane), sinks, meter, null, null).run();

        assertThat(result.attempted()).as("100 outstanding, then a pause").isEqualTo(100);
        assertThat(result.totals().lost()).isEqualTo(100);
    }

    @Test
    void manyDevicesEachHeardByItsOwnReceiver() throws Exception {
        // N publishers at about 1 msg/s each, N subscribers, subscriber i hearing publisher i only.
        int devices = 3000;
        Meter meter = new Meter();
        List<Sink> sinks = new ArrayList<>();
        List<Lane> lanes = new ArrayList<>();
        for (int i = 0; i < devices; i++) {
            sinks.add(new Sink(i, "s" + i, codec, meter, devices, List.of(i)));
        }
        for (int i = 0; i < devices; i++) {
            lanes.add(new Lane(i, "t" + i, loopback(List.of(sinks.get(i)), n -> false, n -> false), codec, 8));
        }
        LoadRun.Plan plan = new LoadRun.Plan("test", "many", Map.of(), new Rate(devices), Duration.ZERO,
            Duration.ofMillis(1500), Duration.ofMillis(500), 1, 100);
        ProcStatus self = ProcStatus.of(ProcessHandle.current().pid());

        LoadResult result = new LoadRun(plan, lanes, sinks, meter, self, null).run();

        assertThat(result.attempted()).as("every device sent once or twice").isBetween((long) devices, 2L * devices);
        assertThat(result.totals().lost()).isZero();
        assertThat(result.totals().unexpected()).isZero();
        assertThat(result.totals().received()).isEqualTo(result.confirmed());
        Map<String, Object> json = result.toJson();
        assertThat(json).containsKeys("server_cpu_cores", "server_cores_per_1k_msg_s");
        assertThat((Double) json.get("server_cores_per_1k_msg_s"))
            .isCloseTo(LoadResult.coresPerThousand(result.serverCpuCores(), result.receivedPerSecond()),
                org.assertj.core.data.Offset.offset(0.001));
        assertThat(result.summary()).contains("per 1,000 msg/s delivered");
    }

    @Test
    void coresPerThousandMessagesNormalisesByTheDeliveredRate() {
        assertThat(LoadResult.coresPerThousand(1.35, 1000)).isEqualTo(1.35);
        assertThat(LoadResult.coresPerThousand(0.6, 12_000)).isCloseTo(0.05, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(LoadResult.coresPerThousand(0.3, 0)).as("nothing delivered: no figure").isNaN();
        assertThat(LoadResult.coresPerThousand(Double.NaN, 1000)).as("server not sampled").isNaN();
    }
}
