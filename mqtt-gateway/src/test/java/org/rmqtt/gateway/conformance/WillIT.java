package org.rmqtt.gateway.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rmqtt.gateway.Gateway;
import org.rmqtt.gateway.MqttTestClient;
import org.rmqtt.gateway.MqttTestClient.Received;
import org.rmqtt.gateway.RatisMetaCluster;
import org.rmqtt.gateway.StandaloneMain;
import org.rmqtt.gateway.TestGateways;
import org.rmqtt.store.TestNames;
import org.rmqtt.store.embedded.SharedRocketMq;

/**
 * Wills (MQTT-3.1.2-8..-17, MQTT-3.14.4-3) through a real gateway, RocketMQ and Eclipse Paho or a
 * raw socket; and a gateway killed with SIGKILL, whose clients' wills a surviving gateway (or the
 * same one, restarted) publishes exactly once.
 */
class WillIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** How long to listen for a message that must not come. */
    private static final Duration QUIET = Duration.ofSeconds(3);
    /** A killed gateway's lease (30 s) must run out first. */
    private static final Duration AFTER_KILL = Duration.ofSeconds(120);
    private static final Duration START = Duration.ofSeconds(90);
    private static Gateway gateway;

    private final List<MqttClient> pahoClients = new ArrayList<>();
    private final List<Process> children = new ArrayList<>();
    private Path childLog;

    @BeforeAll
    static void start() {
        gateway = TestGateways.start();
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (MqttClient c : pahoClients) {
            try {
                if (c.isConnected()) {
                    c.disconnectForcibly(1_000, 1_000, false);
                }
                c.close(true);
            } catch (MqttException ignored) {
                // the test is over
            }
        }
        for (Process child : children) {
            if (child.isAlive()) {
                child.destroy();
                if (!child.waitFor(30, TimeUnit.SECONDS)) {
                    child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                }
            }
        }
    }

    private static String unique() {
        return TestNames.unique("will");
    }

    private static MqttTestClient subscriber(int port, String filter, int qos) throws MqttException {
        MqttTestClient sub = new MqttTestClient(port);
        sub.subscribe(filter, qos);
        return sub;
    }

    private MqttClient pahoWithWill(int port, String clientId, String willTopic, String will, int qos, boolean retain)
            throws MqttException {
        MqttClient c = new MqttClient("tcp://127.0.0.1:" + port, clientId, new MemoryPersistence());
        c.setTimeToWait(30_000);
        pahoClients.add(c);
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(true);
        options.setAutomaticReconnect(false);
        options.setKeepAliveInterval(30);
        options.setConnectionTimeout(30);
        options.setWill(willTopic, will.getBytes(StandardCharsets.UTF_8), qos, retain);
        c.connect(options);
        return c;
    }

    // ---- published on every end but DISCONNECT ----

    @Test
    void MQTT_3_1_2_8_willPublishedWhenTheNetworkConnectionIsLost() throws Exception {
        String topic = unique() + "/lost";
        try (MqttTestClient sub = subscriber(gateway.mqttPort(), topic, 1);
             RawClient raw = RawClient.connect(gateway.mqttPort(), unique(), 60, topic, "lost", 1, false)) {
            raw.socket.close(); // no DISCONNECT
            assertThat(sub.collect(topic, 1, WAIT)).singleElement().satisfies(r -> {
                assertThat(r.payload()).isEqualTo("lost");
                assertThat(r.qos()).isEqualTo(1);
            });
        }
    }

    @Test
    void MQTT_3_1_2_8_willPublishedWhenTheKeepAliveRunsOut() throws Exception {
        String topic = unique() + "/idle";
        try (MqttTestClient sub = subscriber(gateway.mqttPort(), topic, 1);
             RawClient raw = RawClient.connect(gateway.mqttPort(), unique(), 1, topic, "idle", 0, false)) {
            // Silent from now on: after 1.5 keep-alive periods the server closes the connection.
            assertThat(raw.awaitClosed(WAIT)).as("closed by the server").isTrue();
            assertThat(sub.collect(topic, 1, WAIT)).extracting(Received::payload).containsExactly("idle");
        }
    }

    @Test
    void MQTT_3_1_2_8_willPublishedWhenAProtocolViolationClosesTheConnection() throws Exception {
        String topic = unique() + "/violation";
        try (MqttTestClient sub = subscriber(gateway.mqttPort(), topic, 1);
             RawClient raw = RawClient.connect(gateway.mqttPort(), unique(), 60, topic, "violated", 0, false)) {
            raw.send(RawClient.publishQos0("wild/+", "x")); // a wildcard in a topic name
            assertThat(raw.awaitClosed(WAIT)).isTrue();
            assertThat(sub.collect(topic, 1, WAIT)).extracting(Received::payload).containsExactly("violated");
        }
    }

    @Test
    void MQTT_3_1_2_8_willPublishedWhenATakeoverClosesTheOldConnection() throws Exception {
        String topic = unique() + "/takeover";
        String clientId = unique();
        try (MqttTestClient sub = subscriber(gateway.mqttPort(), topic, 1)) {
            MqttClient first = pahoWithWill(gateway.mqttPort(), clientId, topic, "taken over", 1, false);
            try (MqttTestClient second = new MqttTestClient(gateway.mqttPort(), clientId, 10)) {
                await().atMost(WAIT).until(() -> !first.isConnected());
                assertThat(sub.collect(topic, 1, WAIT)).extracting(Received::payload).containsExactly("taken over");
                assertThat(second.isConnected()).isTrue();
            }
        }
    }

    @Test
    void MQTT_3_14_4_3_willDiscardedOnDisconnect() throws Exception {
        String topic = unique() + "/graceful";
        try (MqttTestClient sub = subscriber(gateway.mqttPort(), topic, 1)) {
            MqttClient c = pahoWithWill(gateway.mqttPort(), unique(), topic, "must not come", 1, false);
            c.disconnect(5_000);
            assertThat(sub.collect(topic, 1, QUIET)).isEmpty();
        }
    }

    @Test
    void MQTT_3_1_2_10_willRemovedAfterDisconnectSoALaterLossPublishesNothing() throws Exception {
        String topic = unique() + "/removed";
        String clientId = unique();
        try (MqttTestClient sub = subscriber(gateway.mqttPort(), topic, 1)) {
            MqttClient withWill = pahoWithWill(gateway.mqttPort(), clientId, topic, "old will", 1, false);
            withWill.disconnect(5_000);
            // The same client again, without a will, then its connection is lost.
            try (RawClient raw = RawClient.connect(gateway.mqttPort(), clientId, 60, null, null, 0, false)) {
                raw.socket.close();
            }
            assertThat(sub.collect(topic, 1, QUIET)).isEmpty();
        }
    }

    // ---- QoS and retain ----

    @Test
    void MQTT_3_1_2_16_willWithoutRetainIsPublishedNotRetainedAtItsQos() throws Exception {
        String topic = unique() + "/plain";
        try (MqttTestClient sub = subscriber(gateway.mqttPort(), topic, 2);
             RawClient raw = RawClient.connect(gateway.mqttPort(), unique(), 60, topic, "plain", 2, false)) {
            raw.socket.close();
            assertThat(sub.collect(topic, 1, WAIT)).singleElement().satisfies(r -> {
                assertThat(r.qos()).isEqualTo(2);
                assertThat(r.retained()).isFalse();
            });
        }
        try (MqttTestClient later = subscriber(gateway.mqttPort(), topic, 2)) {
            assertThat(later.collect(topic, 1, QUIET)).as("not retained").isEmpty();
        }
    }

    @Test
    void MQTT_3_1_2_17_willWithRetainIsPublishedAsARetainedMessage() throws Exception {
        String topic = unique() + "/retained";
        try (MqttTestClient sub = subscriber(gateway.mqttPort(), topic, 1);
             RawClient raw = RawClient.connect(gateway.mqttPort(), unique(), 60, topic, "offline", 1, true)) {
            raw.socket.close();
            assertThat(sub.collect(topic, 1, WAIT)).extracting(Received::payload).containsExactly("offline");
        }
        try (MqttTestClient later = subscriber(gateway.mqttPort(), topic, 1)) {
            assertThat(later.collect(topic, 1, WAIT)).singleElement().satisfies(r -> {
                assertThat(r.payload()).isEqualTo("offline");
                assertThat(r.retained()).isTrue();
            });
        }
    }

    // ---- bad will flags ----

    @Test
    void MQTT_3_1_2_13_willQosWithoutTheWillFlagClosesTheConnection() throws Exception {
        assertClosedWithoutConnAck(RawClient.connectPacket(unique(), 60, 0x02 | (1 << 3), null, null));
    }

    @Test
    void MQTT_3_1_2_14_willQos3ClosesTheConnection() throws Exception {
        assertClosedWithoutConnAck(RawClient.connectPacket(unique(), 60, 0x02 | 0x04 | (3 << 3), "t/w", "x"));
    }

    @Test
    void MQTT_3_1_2_15_willRetainWithoutTheWillFlagClosesTheConnection() throws Exception {
        assertClosedWithoutConnAck(RawClient.connectPacket(unique(), 60, 0x02 | 0x20, null, null));
    }

    private static void assertClosedWithoutConnAck(byte[] connect) throws Exception {
        try (RawClient raw = new RawClient(gateway.mqttPort())) {
            raw.send(connect);
            assertThat(raw.readUntilClosed(WAIT)).as("bytes before the close").isEmpty();
        }
    }

    // ---- a gateway killed with SIGKILL ----

    @Test
    void MQTT_3_1_2_8_willsOfAKilledGatewayArePublishedOnceByASurvivor(@TempDir Path dir) throws Exception {
        assumeTrue(SharedRocketMq.WITH_PLUGIN, "runs in the execution with the broker plug-in");
        String root = unique();
        int clients = 5;
        try (RatisMetaCluster meta = new RatisMetaCluster(dir.resolve("meta"))) {
            // A notifier group of this cluster's own: the JVM's other gateways follow another meta.
            Gateway survivor = TestGateways.start(meta.newClient(), Map.of("notifier.group", notifierGroup(dir)));
            try (MqttTestClient sub = subscriber(survivor.mqttPort(), root + "/+/status", 1)) {
                int port = freePort();
                Process victim = startChild(dir, meta, "will-victim-" + root, port);
                for (int i = 0; i < clients; i++) {
                    pahoWithWill(port, root + "-c" + i, root + "/c" + i + "/status", "dead " + i, 1, false);
                }
                victim.destroyForcibly(); // SIGKILL: no will published by the victim, none cleared
                assertThat(victim.waitFor(30, TimeUnit.SECONDS)).isTrue();

                List<Received> wills = sub.collect(root, clients, AFTER_KILL);
                wills.addAll(sub.collect(root, 1, QUIET)); // anything more would be a duplicate
                Map<String, Long> perTopic = wills.stream().collect(Collectors.groupingBy(Received::topic, Collectors.counting()));
                assertThat(perTopic).as("wills received; victim's log:%n%s", logTail()).hasSize(clients)
                        .allSatisfy((topic, count) -> assertThat(count).as(topic).isEqualTo(1L));
                assertThat(wills).extracting(Received::payload).containsExactlyInAnyOrderElementsOf(
                        java.util.stream.IntStream.range(0, clients).mapToObj(i -> "dead " + i).toList());
            } finally {
                survivor.close();
            }
        }
    }

    @Test
    void MQTT_3_1_2_8_willsLeftByAKilledGatewayArePublishedWhenItRestarts(@TempDir Path dir) throws Exception {
        assumeTrue(SharedRocketMq.WITH_PLUGIN, "runs in the execution with the broker plug-in");
        String topic = unique() + "/restart";
        try (RatisMetaCluster meta = new RatisMetaCluster(dir.resolve("meta"))) {
            int port = freePort();
            String nodeId = "will-restart-" + UUID.randomUUID().toString().substring(0, 8);
            Process first = startChild(dir, meta, nodeId, port);
            pahoWithWill(port, unique(), topic, "left behind", 1, true);
            first.destroyForcibly();
            assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();

            startChild(dir, meta, nodeId, port); // well within the dead run's lease
            try (MqttTestClient sub = subscriber(port, topic, 1)) {
                assertThat(sub.collect(topic, 1, WAIT)).as("log:%n%s", logTail()).singleElement().satisfies(r -> {
                    assertThat(r.payload()).isEqualTo("left behind");
                    assertThat(r.retained()).isTrue();
                });
            }
        }
    }

    /** A gateway as a process of its own, on the test JVM's broker and the given meta (as GatewayCrashIT). */
    private Process startChild(Path dir, RatisMetaCluster meta, String nodeId, int port) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx384m");
        // Killed children leave RocksDB's unpacked native library behind: in the test's directory.
        command.add("-Djava.io.tmpdir=" + dir.toAbsolutePath());
        for (String property : List.of("user.home", "rocketmq.log.root", "slf4j.provider", "tls.server.mode")) {
            String value = System.getProperty(property);
            if (value != null) {
                command.add("-D" + property + "=" + value);
            }
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(StandaloneMain.class.getName());
        command.addAll(List.of(
                "--node.id=" + nodeId,
                "--data.dir=" + dir.resolve("data-" + nodeId),
                "--mqtt.host=127.0.0.1",
                "--auth.chain=anonymous",
                "--mqtt.port=" + port,
                "--notify.host=127.0.0.1",
                "--notify.port=0",
                "--admin.port=0",
                "--meta.embedded=false",
                "--meta.peers=" + meta.peersSetting(),
                "--rocketmq.embedded=false",
                "--rocketmq.namesrv=" + SharedRocketMq.get().namesrvAddress(),
                "--rocketmq.dispatchPlugin=" + SharedRocketMq.WITH_PLUGIN,
                "--notifier.group=" + notifierGroup(dir)));
        childLog = dir.resolve("gateway-" + nodeId + ".log");
        Process child = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(childLog.toFile()))
                .start();
        children.add(child);
        await("gateway listens on " + port).atMost(START).pollInterval(Duration.ofMillis(200)).until(() -> {
            assertThat(child.isAlive()).as("gateway process exited; log:%n%s", logTail()).isTrue();
            return accepts(port);
        });
        return child;
    }

    /** One notifier group per test cluster (a test's temporary directory). */
    private static String notifierGroup(Path dir) {
        return "will_it_" + Integer.toHexString(dir.toString().hashCode());
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(childLog, StandardCharsets.UTF_8);
            return String.join(System.lineSeparator(), lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException | RuntimeException e) {
            return "(no log: " + e + ")";
        }
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** A client on a plain socket: CONNECT with exact flags, silence, a close without DISCONNECT. */
    private static final class RawClient implements AutoCloseable {
        final Socket socket;

        RawClient(int port) throws IOException {
            socket = new Socket();
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
        }

        /** CONNECT (clean session; a will when {@code willTopic} is set) and wait for CONNACK 0. */
        static RawClient connect(int port, String clientId, int keepAlive, String willTopic, String will, int willQos,
                                 boolean willRetain) throws IOException {
            RawClient c = new RawClient(port);
            int flags = 0x02 | (willTopic == null ? 0 : 0x04 | (willQos << 3) | (willRetain ? 0x20 : 0));
            c.send(connectPacket(clientId, keepAlive, flags, willTopic, will));
            socketTimeout(c.socket, WAIT);
            byte[] connAck = c.socket.getInputStream().readNBytes(4);
            assertThat(connAck).as("CONNACK accepted").containsExactly(0x20, 0x02, 0x00, 0x00);
            return c;
        }

        static byte[] connectPacket(String clientId, int keepAlive, int flags, String willTopic, String will) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            writeString(body, "MQTT");
            body.write(4);
            body.write(flags);
            body.write(keepAlive >> 8);
            body.write(keepAlive & 0xFF);
            writeString(body, clientId);
            if (willTopic != null) {
                writeString(body, willTopic);
                writeString(body, will);
            }
            return packet(0x10, body.toByteArray());
        }

        static byte[] publishQos0(String topic, String payload) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            writeString(body, topic);
            body.writeBytes(payload.getBytes(StandardCharsets.UTF_8));
            return packet(0x30, body.toByteArray());
        }

        private static byte[] packet(int header, byte[] body) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(header);
            int length = body.length;
            do {
                int digit = length % 128;
                length /= 128;
                out.write(length > 0 ? digit | 0x80 : digit);
            } while (length > 0);
            out.writeBytes(body);
            return out.toByteArray();
        }

        private static void writeString(ByteArrayOutputStream out, String s) {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            out.write(bytes.length >> 8);
            out.write(bytes.length & 0xFF);
            out.writeBytes(bytes);
        }

        void send(byte[] bytes) throws IOException {
            socket.getOutputStream().write(bytes);
            socket.getOutputStream().flush();
        }

        /** Whether the server closed the connection within {@code timeout}; reads and drops what comes. */
        boolean awaitClosed(Duration timeout) throws IOException {
            try {
                readUntilClosed(timeout);
                return true;
            } catch (SocketTimeoutException e) {
                return false;
            }
        }

        /** Everything the server sends until it closes the connection. */
        byte[] readUntilClosed(Duration timeout) throws IOException {
            socketTimeout(socket, timeout);
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            try {
                for (int b; (b = in.read()) >= 0; ) {
                    got.write(b);
                }
            } catch (java.net.SocketException e) {
                // reset by the server: closed as well
            }
            return got.toByteArray();
        }

        private static void socketTimeout(Socket socket, Duration timeout) throws IOException {
            socket.setSoTimeout((int) timeout.toMillis());
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
