package org.rmqtt.gateway.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rmqtt.gateway.Gateway;
import org.rmqtt.gateway.TestGateways;
import org.rmqtt.gateway.connection.Violation;

/**
 * TLS, mTLS, certificate reload, ws:// and wss:// with real clients (Paho) against one gateway
 * whose listeners all run, with certificates made in the test; and clients at the wrong door.
 */
class TlsWebSocketIT {
    private static final long WAIT_SECONDS = 15;
    private static final String PASSWORD = "correct horse";

    private static Path dir;
    private static TestPki.Identity ca;
    private static TestPki.Identity client;
    private static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("rmqtt-tls-");
        ca = TestPki.ca("rmqtt test CA");
        client = TestPki.client(ca, "device-1");
        writeServerCertificate(TestPki.server(ca, "gateway"));
        TestPki.writeCertificate(ca.certificate(), dir.resolve("ca.pem"));
        Files.writeString(dir.resolve("key.password"), PASSWORD + "\n");
        gateway = TestGateways.start(tlsConfig("required", true));
    }

    @AfterAll
    static void stop() throws IOException {
        if (gateway != null) {
            gateway.close();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static Map<String, String> tlsConfig(String clientAuth, boolean webSockets) {
        Map<String, String> config = new HashMap<>(Map.of(
                "mqtt.tls.enabled", "true",
                "mqtt.tls.port", "0",
                "mqtt.tls.certFile", dir.resolve("server.pem").toString(),
                "mqtt.tls.keyFile", dir.resolve("server.key").toString(),
                "mqtt.tls.keyPasswordFile", dir.resolve("key.password").toString(),
                "mqtt.tls.caFile", dir.resolve("ca.pem").toString(),
                "mqtt.tls.clientAuth", clientAuth,
                "mqtt.tls.reloadInterval", "100ms"));
        if (webSockets) {
            config.putAll(Map.of("mqtt.ws.enabled", "true", "mqtt.ws.port", "0", "mqtt.wss.enabled", "true", "mqtt.wss.port", "0"));
        }
        return config;
    }

    private static void writeServerCertificate(TestPki.Identity server) {
        TestPki.writeChain(server, dir.resolve("server.pem"));
        TestPki.writeEncryptedKey(server, PASSWORD, dir.resolve("server.key"));
    }

    private static MqttClient connect(String uri, SSLContext tls) throws MqttException {
        MqttClient c = new MqttClient(uri, "tls-" + UUID.randomUUID().toString().substring(0, 8), new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(true);
        options.setConnectionTimeout(10);
        options.setAutomaticReconnect(false);
        if (tls != null) {
            options.setSocketFactory(tls.getSocketFactory());
        }
        c.connect(options);
        return c;
    }

    private static String tcp() {
        return "tcp://127.0.0.1:" + gateway.mqttPort();
    }

    private static BlockingQueue<String> subscribe(MqttClient c, String filter) throws MqttException {
        BlockingQueue<String> got = new LinkedBlockingQueue<>();
        c.subscribe(filter, 1, (topic, message) -> got.add(topic + "=" + new String(message.getPayload(), StandardCharsets.UTF_8)));
        return got;
    }

    /** Publishes from {@code from} and expects it at {@code to}'s queue. */
    private static void assertDelivered(MqttClient from, BlockingQueue<String> to, String topic, String payload) throws Exception {
        from.publish(topic, payload.getBytes(StandardCharsets.UTF_8), 1, false);
        assertThat(to.poll(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo(topic + "=" + payload);
    }

    private static void close(MqttClient... clients) {
        for (MqttClient c : clients) {
            try {
                if (c.isConnected()) {
                    c.disconnect();
                }
                c.close();
            } catch (MqttException e) {
                // already gone
            }
        }
    }

    private static String topic(String name) {
        return "tls/" + name + "/" + UUID.randomUUID().toString().substring(0, 6);
    }

    @Test
    void tlsClientWithCertificateExchangesMessagesWithTcpClients() throws Exception {
        MqttClient secure = connect("ssl://127.0.0.1:" + gateway.tlsPort(), TestPki.clientContext(ca, client));
        MqttClient plain = connect(tcp(), null);
        try {
            String t = topic("tls");
            BlockingQueue<String> atSecure = subscribe(secure, t);
            BlockingQueue<String> atPlain = subscribe(plain, t);
            assertDelivered(plain, atSecure, t, "to-tls");
            assertThat(atPlain.poll(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo(t + "=to-tls");
            assertDelivered(secure, atPlain, t, "from-tls");
        } finally {
            close(secure, plain);
        }
    }

    @Test
    void requiredClientCertificateRefusesNoneExpiredAndUntrusted() throws Exception {
        String uri = "ssl://127.0.0.1:" + gateway.tlsPort();
        long before = gateway.violations().count(Violation.TLS_HANDSHAKE);
        TestPki.Identity otherCa = TestPki.ca("someone else's CA");
        for (SSLContext refused : new SSLContext[] {
                TestPki.clientContext(ca, null),
                TestPki.clientContext(ca, TestPki.expiredClient(ca, "expired")),
                TestPki.clientContext(ca, TestPki.client(otherCa, "untrusted"))}) {
            assertThatThrownBy(() -> close(connect(uri, refused))).isInstanceOf(MqttException.class);
        }
        await().atMost(Duration.ofSeconds(WAIT_SECONDS))
                .until(() -> gateway.violations().count(Violation.TLS_HANDSHAKE) >= before + 3);
        close(connect(uri, TestPki.clientContext(ca, client)));
    }

    @Test
    void optionalClientCertificateAcceptsClientsWithAndWithout() throws Exception {
        Gateway optional = TestGateways.start(tlsConfig("optional", false));
        try {
            String uri = "ssl://127.0.0.1:" + optional.tlsPort();
            close(connect(uri, TestPki.clientContext(ca, null)));
            close(connect(uri, TestPki.clientContext(ca, client)));
            assertThatThrownBy(() -> close(connect(uri, TestPki.clientContext(ca, TestPki.expiredClient(ca, "expired")))))
                    .as("a certificate that is presented must be valid").isInstanceOf(MqttException.class);
        } finally {
            optional.close();
        }
    }

    @Test
    void aReplacedCertificateServesNewConnectionsWhileOpenOnesStayUp() throws Exception {
        SSLContext tls = TestPki.clientContext(ca, client);
        MqttClient open = connect("ssl://127.0.0.1:" + gateway.tlsPort(), tls);
        MqttClient plain = connect(tcp(), null);
        try {
            String t = topic("reload");
            BlockingQueue<String> atOpen = subscribe(open, t);
            BigInteger old = serverSerial(tls);

            TestPki.Identity renewed = TestPki.server(ca, "gateway");
            assertThat(renewed.serial()).isNotEqualTo(old);
            writeServerCertificate(renewed);
            await().atMost(Duration.ofSeconds(WAIT_SECONDS)).pollInterval(Duration.ofMillis(100))
                    .until(() -> serverSerial(tls).equals(renewed.serial()));

            assertThat(open.isConnected()).isTrue();
            assertDelivered(plain, atOpen, t, "after-reload");
            close(connect("ssl://127.0.0.1:" + gateway.tlsPort(), tls));
        } finally {
            close(open, plain);
        }
    }

    /** The serial number of the certificate the TLS listener presents to a new connection. */
    private static BigInteger serverSerial(SSLContext tls) throws IOException {
        try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", gateway.tlsPort())) {
            s.setSoTimeout(5_000);
            s.startHandshake();
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }

    @Test
    void webSocketAndSecureWebSocketClientsExchangeMessagesWithTcpClients() throws Exception {
        MqttClient ws = connect("ws://127.0.0.1:" + gateway.wsPort() + "/mqtt", null);
        MqttClient wss = connect("wss://localhost:" + gateway.wssPort() + "/mqtt", TestPki.clientContext(ca, client));
        MqttClient plain = connect(tcp(), null);
        try {
            String t = topic("ws");
            BlockingQueue<String> atWs = subscribe(ws, t);
            BlockingQueue<String> atWss = subscribe(wss, t);
            BlockingQueue<String> atPlain = subscribe(plain, t);
            plain.publish(t, "from-tcp".getBytes(StandardCharsets.UTF_8), 1, false);
            assertThat(atWs.poll(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo(t + "=from-tcp");
            assertThat(atWss.poll(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo(t + "=from-tcp");
            assertThat(atPlain.poll(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo(t + "=from-tcp");
            // A payload bigger than one TCP segment and than Paho's WebSocket frame buffer.
            String big = "x".repeat(70_000);
            ws.publish(t, big.getBytes(StandardCharsets.UTF_8), 1, false);
            assertThat(atPlain.poll(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo(t + "=" + big);
            wss.publish(t, "from-wss".getBytes(StandardCharsets.UTF_8), 1, false);
            assertThat(atPlain.poll(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo(t + "=from-wss");
        } finally {
            close(ws, wss, plain);
        }
    }

    @Test
    void clientsAtTheWrongDoorAreClosedAndCountedWhileOthersAreServed() throws Exception {
        Map<Violation, Long> before = gateway.violations().snapshot();
        // Plain MQTT CONNECT on the TLS port.
        assertClosedAfter(gateway.tlsPort(), connectPacket());
        // A TLS handshake on the plain port.
        try (SSLSocket s = (SSLSocket) TestPki.clientContext(ca, client).getSocketFactory()
                .createSocket("127.0.0.1", gateway.mqttPort())) {
            s.setSoTimeout(5_000);
            assertThatThrownBy(s::startHandshake).isInstanceOf(IOException.class);
        }
        // HTTP on the plain port.
        assertClosedAfter(gateway.mqttPort(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        // HTTP that is not a WebSocket upgrade on the WebSocket port: wrong path, then no upgrade.
        assertThat(httpStatus(gateway.wsPort(), "GET /other HTTP/1.1\r\nHost: x\r\n\r\n")).isEqualTo("404");
        assertThat(httpStatus(gateway.wsPort(), "GET /mqtt HTTP/1.1\r\nHost: x\r\n\r\n")).isEqualTo("400");
        // (MQTT bytes on the WebSocket port wait for an HTTP line end: closed after mqtt.connectTimeoutSeconds.)

        await().atMost(Duration.ofSeconds(WAIT_SECONDS)).untilAsserted(() -> {
            Map<Violation, Long> now = gateway.violations().snapshot();
            assertThat(now.get(Violation.NOT_TLS) - before.get(Violation.NOT_TLS)).isEqualTo(1);
            assertThat(now.get(Violation.TLS_ON_PLAIN_PORT) - before.get(Violation.TLS_ON_PLAIN_PORT)).isEqualTo(1);
            assertThat(now.get(Violation.HTTP_ON_MQTT_PORT) - before.get(Violation.HTTP_ON_MQTT_PORT)).isEqualTo(1);
            assertThat(now.get(Violation.NOT_WEBSOCKET) - before.get(Violation.NOT_WEBSOCKET)).isEqualTo(2);
        });

        // Everyone else is still served, on every listener.
        close(connect(tcp(), null));
        close(connect("ssl://127.0.0.1:" + gateway.tlsPort(), TestPki.clientContext(ca, client)));
        close(connect("ws://127.0.0.1:" + gateway.wsPort() + "/mqtt", null));
        close(connect("wss://127.0.0.1:" + gateway.wssPort() + "/mqtt", TestPki.clientContext(ca, client)));
    }

    /** A valid MQTT 3.1.1 CONNECT, client id "x". */
    private static byte[] connectPacket() {
        return new byte[] {0x10, 13, 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 60, 0, 1, 'x'};
    }

    /** Sends {@code bytes} and expects the server to close the connection (after at most an error reply). */
    private static void assertClosedAfter(int port, byte[] bytes) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(bytes);
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[4096];
            int n;
            try {
                while ((n = in.read(buf)) >= 0) {
                    assertThat(n).isGreaterThanOrEqualTo(0);
                }
            } catch (java.net.SocketException reset) {
                // closed with a reset: closed all the same
            }
        }
    }

    /** The status code of the server's answer to a raw HTTP request; the server then closes. */
    private static String httpStatus(int port, String request) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(response).startsWith("HTTP/1.1 ");
            return response.substring(9, 12);
        }
    }
}
