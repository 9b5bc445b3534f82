package org.rmqtt.gateway.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.rmqtt.store.embedded.SharedRocketMq;

/**
 * Faults on a cluster of separate processes (see {@link FaultCluster}) under QoS 1 load: four
 * publishers, two on each gateway, at {@value #RATE} messages/s in total, to two persistent-session
 * subscribers, one on each gateway, each subscribed to a wildcard filter that matches one
 * publisher on each gateway. Each scenario injects one fault mid-load, then checks every
 * subscriber against what its publishers had acknowledged. Lost must be 0; duplicates, order and
 * the longest gap without delivery are reported (log and {@code target/fault-tests/report.txt}).
 * Timings are reported, never asserted.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultToleranceIT {
    /** Offered; what was acknowledged before the fault is reported (on a busy 2-core machine it can fall short). */
    static final int RATE = 1_200;
    private static final Duration DRAIN = Duration.ofSeconds(90);
    private static final Path OUT = Path.of("target", "fault-tests");

    private static Path data;
    private static FaultCluster cluster;
    private QosLoad load;
    private String scenario;
    private long loadStart;
    private long faultAt;

    @BeforeAll
    static void startCluster() throws Exception {
        // Runs once, in the execution with the broker plug-in.
        assumeTrue(SharedRocketMq.WITH_PLUGIN, "runs in the execution with the broker plug-in");
        data = Files.createTempDirectory("rmqtt-fault-");
        Files.createDirectories(OUT);
        cluster = new FaultCluster(data, OUT.resolve("logs"));
        try {
            cluster.ensureRunning();
        } catch (Exception | Error e) {
            stopCluster();
            throw e;
        }
    }

    @AfterAll
    static void stopCluster() throws IOException {
        if (cluster != null) {
            cluster.close();
        }
        if (data != null) {
            try (Stream<Path> files = Files.walk(data)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @BeforeEach
    void wholeCluster() throws Exception {
        cluster.ensureRunning();
    }

    @Test
    @Order(1)
    void killMinus9OfAGatewayLosesNoAcknowledgedMessage() throws Exception {
        startLoad("a-gateway-kill9");
        QosLoad.sleep(10_000);
        faultAt = System.nanoTime();
        cluster.gateway(0).kill();
        log("gw1 killed (SIGKILL)");
        QosLoad.sleep(20_000);
        Result result = stopAndCheck();
        assertThat(result.reconnects()).as("the killed gateway's subscriber reconnected").isPositive();
        result.assertNothingLost();
        assertThat(result.duplicatesNoFlag()).as("redeliveries carry DUP=1").isZero();
    }

    @Test
    @Order(2)
    void killMinus9OfTheMetaLeaderNeverStopsPublishingAndConnectsGoOn() throws Exception {
        startLoad("b-meta-leader-kill9");
        QosLoad.sleep(8_000);
        String leader = awaitMetaLeader();
        long killed = System.nanoTime();
        faultAt = killed;
        cluster.metaPeer(leader).kill();
        log("meta leader " + leader + " killed (SIGKILL)");
        // New persistent sessions need meta (their claim); one on each gateway, right away.
        List<CompletableFuture<Long>> connects = new ArrayList<>();
        for (String uri : cluster.mqttUris()) {
            connects.add(CompletableFuture.supplyAsync(() -> connectMillis(uri, "fault-new-" + System.nanoTime())));
        }
        QosLoad.sleep(15_000);
        List<Long> connectMillis = connects.stream().map(CompletableFuture::join).toList();
        log("CONNECT (CleanSession=0) attempted right after the kill accepted after " + connectMillis + " ms");
        long ackedAfterKill = load.publishers().stream()
                .mapToLong(p -> p.ackedAt.values().stream().filter(t -> t > killed).count()).sum();
        Result result = stopAndCheck();
        result.note("connect after leader kill " + connectMillis + " ms; acked after kill " + ackedAfterKill);
        assertThat(connectMillis).as("each CONNECT after the kill was accepted").allSatisfy(ms -> assertThat(ms).isNotNegative());
        assertThat(ackedAfterKill).as("publishing went on after the leader died").isPositive();
        result.assertNothingLost();
    }

    @Test
    @Order(3)
    void brokerStopAndRestartAcknowledgesNothingWhileDownAndDeliversEverythingAcknowledged() throws Exception {
        startLoad("c-broker-restart");
        QosLoad.sleep(8_000);
        faultAt = System.nanoTime();
        boolean clean = cluster.broker().stop(Duration.ofSeconds(40));
        long down = System.nanoTime();
        log("broker stopped (SIGTERM, clean=" + clean + ")");
        QosLoad.sleep(5_000);
        long restarting = System.nanoTime();
        cluster.startBroker();
        log("broker restarted");
        QosLoad.sleep(15_000);
        long ackedWhileDown = load.publishers().stream()
                .mapToLong(p -> p.sentAt.entrySet().stream()
                        .filter(e -> e.getValue() > down)
                        .filter(e -> {
                            Long acked = p.ackedAt.get(e.getKey());
                            return acked != null && acked < restarting;
                        })
                        .count())
                .sum();
        Result result = stopAndCheck();
        result.note("PUBACKs for publishes sent while the broker was down: " + ackedWhileDown);
        assertThat(ackedWhileDown).as("no PUBACK while the broker is down").isZero();
        result.assertNothingLost();
    }

    @Test
    @Order(4)
    void aGatewayPausedFor15sThenResumedLosesNoAcknowledgedMessage() throws Exception {
        startLoad("d-gateway-pause-15s");
        QosLoad.sleep(8_000);
        ChildJvm paused = cluster.gateway(1);
        faultAt = System.nanoTime();
        paused.pause();
        log("gw2 paused (SIGSTOP)");
        try {
            QosLoad.sleep(15_000);
        } finally {
            paused.resume();
            log("gw2 resumed (SIGCONT)");
        }
        QosLoad.sleep(15_000);
        Result result = stopAndCheck();
        result.assertNothingLost();
    }

    // ---- load and checks ----

    /** Subscribes, warms the path up (every subscriber hears from each of its publishers), then starts publishing. */
    private void startLoad(String name) throws Exception {
        scenario = name;
        String root = "fault/" + name + "-" + System.nanoTime();
        List<String> uris = cluster.mqttUris();
        List<String> fromGw1 = uris;
        List<String> fromGw2 = List.of(uris.get(1), uris.get(0));
        load = new QosLoad();
        int perPublisher = RATE / 4;
        // p0, p1 on gw1; p2, p3 on gw2. "a" goes to the subscriber on gw1, "b" to the one on gw2.
        for (int i = 0; i < 4; i++) {
            load.addPublisher(i, root + "/" + (i % 2 == 0 ? "a" : "b") + "/p" + i, i < 2 ? fromGw1 : fromGw2, perPublisher);
        }
        QosLoad.Subscriber s1 = load.addSubscriber("fault-sub-a-" + System.nanoTime(), root + "/a/+", fromGw1, List.of(0, 2));
        QosLoad.Subscriber s2 = load.addSubscriber("fault-sub-b-" + System.nanoTime(), root + "/b/+", fromGw2, List.of(1, 3));
        s1.connectAndSubscribe();
        s2.connectAndSubscribe();
        warmUp(uris);
        log("load starts: " + RATE + " msg/s QoS 1 under " + root);
        loadStart = System.nanoTime();
        load.publishers().forEach(QosLoad.Publisher::start);
    }

    private void warmUp(List<String> uris) throws Exception {
        MqttAsyncClient gw1 = QosLoad.connect(uris.get(0), "fault-warm-1-" + System.nanoTime(), true, null, null);
        MqttAsyncClient gw2 = QosLoad.connect(uris.get(1), "fault-warm-2-" + System.nanoTime(), true, null, null);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!warm()) {
                assertThat(System.nanoTime()).as("warm-up messages arrive within 60 s").isLessThan(deadline);
                for (QosLoad.Publisher p : load.publishers()) {
                    (p.index < 2 ? gw1 : gw2).publish(p.topic, QosLoad.payload(p.index, -1), 1, false)
                            .waitForCompletion(10_000);
                }
                QosLoad.sleep(300);
            }
        } finally {
            QosLoad.closeQuietly(gw1);
            QosLoad.closeQuietly(gw2);
        }
    }

    private boolean warm() {
        return load.subscribers().stream().allMatch(s -> s.publisherIndexes.stream()
                .allMatch(p -> s.receipts.stream().anyMatch(r -> r.publisher() == p)));
    }

    /** Stops the publishers, waits for every acknowledged message (up to {@link #DRAIN}), and reports. */
    private Result stopAndCheck() throws IOException {
        long stopping = System.nanoTime();
        load.publishers().parallelStream().forEach(p -> p.stop(Duration.ofSeconds(10)));
        long loadNanos = System.nanoTime() - loadStart;
        long deadline = System.nanoTime() + DRAIN.toNanos();
        Map<QosLoad.Subscriber, DeliveryCheck> checks;
        do {
            QosLoad.sleep(500);
            checks = checks();
        } while (checks.values().stream().anyMatch(c -> c.lost() > 0) && System.nanoTime() < deadline);
        long acked = load.publishers().stream().mapToLong(p -> p.ackedAt.size()).sum();
        long ackedBeforeFault = load.publishers().stream()
                .mapToLong(p -> p.ackedAt.values().stream().filter(t -> t < faultAt).count()).sum();
        double rateBeforeFault = ackedBeforeFault * 1e9 / Math.max(1, faultAt - loadStart);
        long longestAckGap = longestAckGapMillis(stopping);
        Result result = new Result(scenario, checks, acked, rateBeforeFault, acked * 1e9 / loadNanos, longestAckGap,
                load.publishers().stream().mapToInt(p -> p.connects.get() - 1).sum(),
                load.subscribers().stream().mapToInt(s -> s.reconnects.get()).sum(),
                load.subscribers().stream().mapToInt(s -> s.sessionLost.get()).sum(), new ArrayList<>());
        load.close();
        return result;
    }

    private Map<QosLoad.Subscriber, DeliveryCheck> checks() {
        Map<QosLoad.Subscriber, DeliveryCheck> checks = new HashMap<>();
        for (QosLoad.Subscriber s : load.subscribers()) {
            Map<Integer, Set<Long>> acked = new HashMap<>();
            for (int p : s.publisherIndexes) {
                acked.put(p, Set.copyOf(load.publishers().get(p).ackedAt.keySet()));
            }
            checks.put(s, DeliveryCheck.of(List.copyOf(s.receipts), acked, loadStart));
        }
        return checks;
    }

    /** The longest time in which no publisher got a PUBACK, from the load's start to its stop. */
    private long longestAckGapMillis(long until) {
        long[] times = load.publishers().stream().flatMap(p -> p.ackedAt.values().stream())
                .mapToLong(Long::longValue).filter(t -> t <= until).sorted().toArray();
        long last = loadStart;
        long gap = 0;
        for (long t : times) {
            gap = Math.max(gap, t - last);
            last = t;
        }
        return TimeUnit.NANOSECONDS.toMillis(Math.max(gap, until - last));
    }

    private String awaitMetaLeader() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            var leader = cluster.metaLeader();
            if (leader.isPresent()) {
                return leader.get();
            }
            QosLoad.sleep(200);
        }
        throw new AssertionError("no meta leader found in 30 s");
    }

    /** Milliseconds until a persistent-session CONNECT on {@code uri} was accepted, or -1 if it never was (60 s). */
    private static long connectMillis(String uri, String clientId) {
        long start = System.nanoTime();
        long deadline = start + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            try {
                MqttAsyncClient client = QosLoad.connect(uri, clientId, false, null, null);
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                client.disconnect().waitForCompletion(5_000);
                QosLoad.closeQuietly(client);
                return ms;
            } catch (MqttException e) {
                // refused (0x03 while meta has no leader) or timed out: the client tries again
                QosLoad.sleep(100);
            }
        }
        return -1;
    }

    private void log(String line) {
        System.out.printf("FaultToleranceIT %s %s: %s%n", Instant.now(), scenario, line);
    }

    /** One scenario's outcome, summed over subscribers; logged and appended to the report file. */
    private record Result(String scenario, Map<QosLoad.Subscriber, DeliveryCheck> checks, long acked,
            double rateBeforeFault, double rate, long longestAckGapMillis, int publisherReconnects, int reconnects,
            int sessionsLost, List<String> notes) {

        long lost() {
            return checks.values().stream().mapToLong(DeliveryCheck::lost).sum();
        }

        long duplicatesNoFlag() {
            return checks.values().stream().mapToLong(DeliveryCheck::duplicatesNoFlag).sum();
        }

        void note(String note) throws IOException {
            notes.add(note);
            write();
        }

        Result {
            String line = summary(scenario, checks, acked, rateBeforeFault, rate, longestAckGapMillis, publisherReconnects,
                    reconnects, sessionsLost);
            System.out.println("FaultToleranceIT " + line);
            try {
                Files.writeString(OUT.resolve("report.txt"), Instant.now() + " " + line + System.lineSeparator(),
                        StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        private void write() throws IOException {
            String line = scenario + " note: " + String.join("; ", notes);
            System.out.println("FaultToleranceIT " + line);
            Files.writeString(OUT.resolve("report.txt"), Instant.now() + " " + line + System.lineSeparator(),
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }

        private static String summary(String scenario, Map<QosLoad.Subscriber, DeliveryCheck> checks, long acked,
                double rateBeforeFault, double rate, long ackGap, int publisherReconnects, int reconnects,
                int sessionsLost) {
            StringBuilder b = new StringBuilder(scenario).append(String.format(
                    ": acked %d (%.0f msg/s before the fault, %.0f msg/s overall), longest PUBACK gap %d ms, "
                            + "publisher reconnects %d, subscriber reconnects %d, sessions lost %d",
                    acked, rateBeforeFault, rate, ackGap, publisherReconnects, reconnects, sessionsLost));
            checks.forEach((s, c) -> b.append(String.format(
                    "; %s: received %d, lost %d, duplicates %d (without DUP %d), out of order %d, "
                            + "unacknowledged received %d, longest delivery gap %d ms%s",
                    s.filter.substring(s.filter.lastIndexOf('/', s.filter.length() - 3) + 1), c.received(), c.lost(),
                    c.duplicates(), c.duplicatesNoFlag(), c.outOfOrder(), c.unacknowledged(), c.longestGapMillis(),
                    c.lost() > 0 ? " e.g. " + c.lostSample() : "")));
            return b.toString();
        }

        void assertNothingLost() {
            assertThat(lost()).as("acknowledged messages never delivered: %s (logs in %s)", this,
                    OUT.resolve("logs").toAbsolutePath()).isZero();
            assertThat(sessionsLost).as("reconnects without sessionPresent").isZero();
        }

        @Override
        public String toString() {
            return summary(scenario, checks, acked, rateBeforeFault, rate, longestAckGapMillis, publisherReconnects,
                    reconnects, sessionsLost);
        }
    }
}
