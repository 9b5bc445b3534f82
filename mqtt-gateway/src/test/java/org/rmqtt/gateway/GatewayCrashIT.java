package org.rmqtt.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rmqtt.store.embedded.SharedRocketMq;

/**
 * QoS 1 survives a gateway crash: a standalone gateway (embedded meta) runs as a process of its
 * own, on the test JVM's broker, and is killed with SIGKILL while a persistent subscriber
 * receives and a publisher publishes. After a restart on the same data directory, the subscriber
 * comes back with CleanSession=0 and, without subscribing again, gets every message whose
 * publish had been acknowledged: at least once, none lost; duplicates only as redeliveries.
 */
class GatewayCrashIT {
    private static final int MESSAGES = 300;
    private static final int KILL_AFTER_RECEIVED = 100;
    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration DELIVERY = Duration.ofSeconds(90);

    /** One receipt by the subscriber. */
    private record Receipt(String topic, int payload, boolean afterRestart, boolean duplicateFlag) {
        Receipt(String topic, String payload, boolean afterRestart, boolean duplicateFlag) {
            this(topic, Integer.parseInt(payload), afterRestart, duplicateFlag);
        }
    }

    @TempDir
    Path dir;

    private Process child;
    private Path log;
    private final List<MqttClient> clients = new ArrayList<>();

    @BeforeEach
    void onlyWithTheBrokerPlugin() {
        // The execution without the broker plug-in adds nothing here but another few minutes.
        assumeTrue(SharedRocketMq.WITH_PLUGIN, "runs in the execution with the broker plug-in");
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (MqttClient c : clients) {
            try {
                if (c.isConnected()) {
                    c.disconnectForcibly(1_000, 1_000);
                }
                c.close(true);
            } catch (MqttException ignored) {
                // the test is over
            }
        }
        if (child != null && child.isAlive()) {
            child.destroy();
            if (!child.waitFor(30, TimeUnit.SECONDS)) {
                child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void qos1ToAPersistentSessionIsDeliveredAtLeastOnceAcrossAKill9() throws Exception {
        int port = freePort();
        String[] args = {
            "--node.id=crash-it",
            "--data.dir=" + dir.resolve("data"),
            "--mqtt.host=127.0.0.1",
            "--auth.chain=anonymous",
            "--mqtt.port=" + port,
            "--notify.host=127.0.0.1",
            "--notify.port=0",
            "--admin.port=0",
            "--meta.embedded=true",
            "--rocketmq.embedded=false",
            "--rocketmq.namesrv=" + SharedRocketMq.get().namesrvAddress(),
            "--rocketmq.dispatchPlugin=" + SharedRocketMq.WITH_PLUGIN,
        };
        log = dir.resolve("gateway.log");
        startChild(args, port);

        String root = "crash/" + System.nanoTime();
        String topic = root + "/m";
        String subscriberId = "crash-sub-" + System.nanoTime();
        ConcurrentLinkedQueue<Receipt> receipts = new ConcurrentLinkedQueue<>();

        // A persistent subscriber, connected and receiving while the gateway dies.
        MqttClient subscriber = client(port, subscriberId);
        subscriber.setCallback(recorder(receipts, false));
        IMqttToken first = subscriber.connectWithResult(options(false));
        assertThat(first.getSessionPresent()).as("a new clientId has no session").isFalse();
        int[] granted = subscriber.subscribeWithResponse(new String[] {root + "/#"}, new int[] {1}).getGrantedQos();
        assertThat(granted).containsExactly(1);

        MqttClient publisher = client(port, "crash-pub-" + System.nanoTime());
        publisher.connect(options(true));
        // One message end to end first (the gateway's notifier may still be starting), so that
        // the kill below lands while the publisher is still publishing.
        String warmUp = root + "/warm-up";
        publisher.publish(warmUp, payload(-1), 1, false);
        await("warm-up message arrives").atMost(DELIVERY).until(() -> receipts.stream().anyMatch(r -> r.topic().equals(warmUp)));

        // The publisher goes on until its connection drops; a publish returns once PUBACK came.
        Set<Integer> acked = ConcurrentHashMap.newKeySet();
        AtomicInteger unacked = new AtomicInteger(MESSAGES);
        CompletableFuture<Void> publishing = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < MESSAGES; i++) {
                try {
                    publisher.publish(topic, payload(i), 1, false);
                } catch (MqttException e) {
                    unacked.set(i);
                    return;
                }
                acked.add(i);
                pause(); // pacing, so the kill lands mid-stream; nothing depends on its length
            }
        });

        await("subscriber receives " + KILL_AFTER_RECEIVED + " messages").atMost(DELIVERY)
                .until(() -> receipts.stream().filter(r -> r.topic().equals(topic)).count() >= KILL_AFTER_RECEIVED);
        child.destroyForcibly(); // SIGKILL: no final save, no goodbye to meta
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).as("the gateway died").isTrue();
        assertThat(child.isAlive()).isFalse();
        publishing.get(60, TimeUnit.SECONDS);
        await("subscriber sees the connection drop").atMost(START).until(() -> !subscriber.isConnected());
        int receivedBeforeCrash = numbered(receipts, topic).size();
        int ackedBeforeCrash = acked.size();

        startChild(args, port);

        // The rest, from a new publisher: what was not acknowledged before the crash, and on.
        MqttClient republisher = client(port, "crash-pub2-" + System.nanoTime());
        republisher.connect(options(true));
        for (int i = unacked.get(); i < MESSAGES; i++) {
            republisher.publish(topic, payload(i), 1, false);
            acked.add(i);
        }
        assertThat(acked).hasSize(MESSAGES);

        // The subscriber comes back to its session: no SUBSCRIBE this time.
        MqttClient resumed = client(port, subscriberId);
        resumed.setCallback(recorder(receipts, true));
        IMqttToken again = resumed.connectWithResult(options(false));
        assertThat(again.getSessionPresent()).as("sessionPresent after the restart").isTrue();

        await("every acknowledged message arrives").atMost(DELIVERY).untilAsserted(() ->
                assertThat(numbered(receipts, topic).stream().map(Receipt::payload).collect(Collectors.toSet()))
                        .as("payloads received; gateway log:%n%s", logTail())
                        .containsAll(acked));

        List<Receipt> all = numbered(receipts, topic);
        assertThat(all).allSatisfy(r -> assertThat(r.payload()).isBetween(0, MESSAGES - 1));
        Map<Integer, List<Receipt>> byPayload = all.stream()
                .collect(Collectors.groupingBy(Receipt::payload, TreeMap::new, Collectors.toList()));
        Set<Integer> duplicated = new TreeSet<>();
        byPayload.forEach((p, rs) -> {
            if (rs.size() > 1) {
                duplicated.add(p);
            }
        });
        System.out.printf("GatewayCrashIT: %d acked before the kill, %d received before it, %d receipts in all, "
                        + "%d payloads more than once %s, %d with DUP=1%n",
                ackedBeforeCrash, receivedBeforeCrash, all.size(), duplicated.size(), duplicated,
                all.stream().filter(Receipt::duplicateFlag).count());
        // A payload received twice was received again after the restart (a redelivery), never
        // twice during normal flow.
        assertThat(duplicated).allSatisfy(p ->
                assertThat(byPayload.get(p)).as("receipts of %d", p).anySatisfy(r -> assertThat(r.afterRestart()).isTrue()));
        // MQTT-3.3.1-1: a message sent again after the restart carries DUP=1. (Not checked for the
        // publish under way at the kill: published twice, it may be stored twice, each copy new.)
        int publishedOnce = unacked.get();
        Set<Integer> beforeRestart = all.stream().filter(r -> !r.afterRestart()).map(Receipt::payload).collect(Collectors.toSet());
        assertThat(all).filteredOn(r -> r.afterRestart() && r.payload() < publishedOnce && beforeRestart.contains(r.payload()))
                .allSatisfy(r -> assertThat(r.duplicateFlag()).as("DUP of %d, resent after the restart", r.payload()).isTrue());

        resumed.disconnect(5_000);
        republisher.disconnect(5_000);
        child.destroy();
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).as("gateway stops on SIGTERM; log:%n%s", logTail()).isTrue();
    }

    /** The receipts of the numbered messages (not the warm-up, which may come again after the restart). */
    private static List<Receipt> numbered(ConcurrentLinkedQueue<Receipt> receipts, String topic) {
        return receipts.stream().filter(r -> r.topic().equals(topic)).toList();
    }

    private void startChild(String[] args, int port) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx512m");
        // Killed children leave RocksDB's unpacked native library behind: in the test's directory.
        command.add("-Djava.io.tmpdir=" + log.toAbsolutePath().getParent());
        // Where the test JVM keeps RocketMQ client files and logs, and how it logs.
        for (String property : List.of("user.home", "rocketmq.log.root", "slf4j.provider", "tls.server.mode")) {
            String value = System.getProperty(property);
            if (value != null) {
                command.add("-D" + property + "=" + value);
            }
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(StandaloneMain.class.getName());
        command.addAll(List.of(args));
        Files.writeString(log, "---- start " + java.time.Instant.now() + System.lineSeparator(), StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        child = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        Process started = child;
        await("gateway listens on " + port).atMost(START).pollInterval(Duration.ofMillis(200)).until(() -> {
            assertThat(started.isAlive()).as("gateway process exited; log:%n%s", logTail()).isTrue();
            return accepts(port);
        });
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join(System.lineSeparator(), lines.subList(Math.max(0, lines.size() - 80), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private MqttClient client(int port, String clientId) throws MqttException {
        MqttClient c = new MqttClient("tcp://127.0.0.1:" + port, clientId, new MemoryPersistence());
        c.setTimeToWait(30_000);
        clients.add(c);
        return c;
    }

    private static MqttConnectOptions options(boolean cleanSession) {
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(cleanSession);
        options.setAutomaticReconnect(false);
        options.setKeepAliveInterval(30);
        options.setConnectionTimeout(30);
        return options;
    }

    private static MqttCallback recorder(ConcurrentLinkedQueue<Receipt> receipts, boolean afterRestart) {
        return new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                receipts.add(new Receipt(topic, new String(message.getPayload(), StandardCharsets.UTF_8), afterRestart,
                        message.isDuplicate()));
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
            }
        };
    }

    private static byte[] payload(int i) {
        return Integer.toString(i).getBytes(StandardCharsets.UTF_8);
    }

    private static void pause() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
