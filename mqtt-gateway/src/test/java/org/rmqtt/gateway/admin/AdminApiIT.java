package org.rmqtt.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rmqtt.gateway.Gateway;
import org.rmqtt.gateway.MqttTestClient;
import org.rmqtt.gateway.MqttTestClient.Received;
import org.rmqtt.gateway.RatisMetaCluster;
import org.rmqtt.gateway.TestGateways;

/**
 * The admin API over real HTTP on two gateways that share a 3-peer Ratis meta: each answers for
 * the whole cluster (a client on B is shown and kicked through A), and bad requests get 4xx JSON.
 * Gateway A asks for a token, B does not.
 */
class AdminApiIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String TOKEN = "s3cret-" + System.nanoTime();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    private static RatisMetaCluster cluster;
    private static Gateway a;
    private static Gateway b;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    record Response(int status, JsonNode body, HttpResponse<String> raw) {}

    @BeforeAll
    static void start() throws Exception {
        cluster = new RatisMetaCluster(dir.resolve("meta"));
        Path tokenFile = dir.resolve("admin.token");
        Files.writeString(tokenFile, TOKEN + "\n");
        a = TestGateways.start(cluster.newClient(), Map.of("admin.tokenFile", tokenFile.toString()));
        b = TestGateways.start(cluster.newClient());
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {a, b, cluster}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    private static Response call(Gateway gateway, String method, String path, String body, boolean withToken) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + path))
                .timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (withToken) {
            request.header("Authorization", "Bearer " + TOKEN);
        }
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = response.body().isEmpty() ? null : JSON.readTree(response.body());
        return new Response(response.statusCode(), json, response);
    }

    private static Response get(Gateway gateway, String path) throws Exception {
        return call(gateway, "GET", path, null, gateway == a);
    }

    private static Response send(Gateway gateway, String method, String path, String body) throws Exception {
        return call(gateway, method, path, body, gateway == a);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** For a path: a '+' there is a plus, so a space must be %20. */
    private static String path(String s) {
        return enc(s).replace("+", "%20");
    }

    private static List<String> texts(JsonNode array, String field) {
        return StreamSupport.stream(array.spliterator(), false).map(n -> n.get(field).asText()).toList();
    }

    @Test
    void livenessAndReadinessAnswerOnEveryGateway() throws Exception {
        for (Gateway g : List.of(a, b)) {
            Response health = get(g, "/health");
            assertThat(health.status()).isEqualTo(200);
            assertThat(health.body().get("status").asText()).isEqualTo("UP");
            Response ready = get(g, "/ready");
            assertThat(ready.status()).as(ready.raw().body()).isEqualTo(200);
            assertThat(ready.body().get("ready").asBoolean()).isTrue();
            assertThat(ready.body().get("checks").get("meta").asText()).isEqualTo("UP");
            assertThat(ready.body().get("checks").get("rocketmq").asText()).isEqualTo("UP");
            assertThat(ready.body().get("checks").get("mqttListener").asText()).isEqualTo("UP");
        }
    }

    @Test
    void aGatewayWithATokenRefusesRequestsWithoutIt() throws Exception {
        Response none = call(a, "GET", "/api/v1/cluster", null, false);
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.body().get("error").asText()).contains("token");
        HttpResponse<String> wrong = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.adminPort() + "/health"))
                .header("Authorization", "Bearer nope").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.body()).doesNotContain(TOKEN);
    }

    @Test
    void theClusterListsBothGatewaysAndTheMetaLeader() throws Exception {
        Response cluster = get(b, "/api/v1/cluster");
        assertThat(cluster.status()).isEqualTo(200);
        assertThat(cluster.body().get("nodeId").asText()).isEqualTo(b.nodeId());
        assertThat(texts(cluster.body().get("gateways"), "id")).contains(a.nodeId(), b.nodeId());
        assertThat(StreamSupport.stream(cluster.body().get("gateways").spliterator(), false)
                .allMatch(g -> g.get("reachable").asBoolean())).isTrue();
        JsonNode meta = cluster.body().get("meta");
        assertThat(meta.get("peers")).hasSize(3);
        assertThat(meta.get("leader").asText()).isIn("m1", "m2", "m3");
    }

    @Test
    void aClientOnBIsListedShownAndKickedThroughAAndItsWillIsPublished() throws Exception {
        String prefix = "adm-kick-" + System.nanoTime();
        String clientId = prefix + "-dev";
        String willTopic = prefix + "/will";
        try (MqttTestClient watcher = new MqttTestClient(a.mqttPort())) {
            watcher.subscribe(willTopic, 1);
            MqttClient device = new MqttClient("tcp://127.0.0.1:" + b.mqttPort(), clientId, new MemoryPersistence());
            MqttConnectOptions options = new MqttConnectOptions();
            options.setWill(willTopic, "gone".getBytes(StandardCharsets.UTF_8), 1, false);
            options.setAutomaticReconnect(false);
            device.connect(options);
            try {
                device.subscribe(prefix + "/cmd/#", 1);

                Response list = get(a, "/api/v1/clients?prefix=" + enc(prefix));
                assertThat(list.status()).isEqualTo(200);
                assertThat(texts(list.body().get("clients"), "clientId")).containsExactly(clientId);
                assertThat(list.body().get("clients").get(0).get("gateway").asText()).isEqualTo(b.nodeId());
                assertThat(get(a, "/api/v1/clients?prefix=" + enc(prefix) + "&gateway=" + enc(a.nodeId()))
                        .body().get("clients")).isEmpty();

                Response show = get(a, "/api/v1/clients/" + path(clientId));
                assertThat(show.status()).isEqualTo(200);
                assertThat(show.body().get("gateway").asText()).isEqualTo(b.nodeId());
                assertThat(show.body().get("cleanSession").asBoolean()).isTrue();
                assertThat(show.body().get("keepAliveSeconds").asInt()).isEqualTo(60);
                assertThat(show.body().get("subscriptions").asInt()).isEqualTo(1);
                assertThat(show.body().get("filters").get(prefix + "/cmd/#").asInt()).isEqualTo(1);
                assertThat(show.body().get("remoteAddress").asText()).startsWith("127.0.0.1:");
                assertThat(show.body().get("connectedAt").asText()).isNotEmpty();

                Response subs = get(b, "/api/v1/subscriptions?filter=" + enc(prefix + "/cmd/#"));
                assertThat(texts(subs.body().get("subscribers"), "clientId")).containsExactly(clientId);
                assertThat(get(a, "/api/v1/subscriptions?clientId=" + enc(clientId)).body().get("subscriptions")
                        .get(0).get("filter").asText()).isEqualTo(prefix + "/cmd/#");

                Response kick = send(a, "DELETE", "/api/v1/clients/" + path(clientId), null);
                assertThat(kick.status()).as(kick.raw().body()).isEqualTo(200);
                assertThat(kick.body().get("gateway").asText()).isEqualTo(b.nodeId());
                await().atMost(WAIT).until(() -> !device.isConnected());
                Received will = watcher.next(WAIT);
                assertThat(will).isNotNull();
                assertThat(will.topic()).isEqualTo(willTopic);
                assertThat(will.payload()).isEqualTo("gone");
            } finally {
                device.close(true);
            }
            assertThat(send(a, "DELETE", "/api/v1/clients/" + path(clientId), null).status()).isEqualTo(404);
            assertThat(get(b, "/api/v1/clients/" + path(clientId)).status()).isEqualTo(404);
        }
    }

    @Test
    void aPersistentSessionIsListedFromMetaAndDeletedWithItsSubscriptions() throws Exception {
        String clientId = "adm-session-" + System.nanoTime();
        try (MqttTestClient device = new MqttTestClient(a.mqttPort(), clientId, 10, false)) {
            device.subscribe("adm/s/" + clientId + "/#", 1);
        }
        Response list = get(b, "/api/v1/sessions?prefix=" + enc(clientId));
        assertThat(list.status()).isEqualTo(200);
        JsonNode session = list.body().get("sessions").get(0);
        assertThat(session.get("clientId").asText()).isEqualTo(clientId);
        assertThat(session.get("online").asBoolean()).isFalse();
        assertThat(session.get("subscriptions").get(0).get("filter").asText()).isEqualTo("adm/s/" + clientId + "/#");

        Response show = get(a, "/api/v1/sessions/" + path(clientId));
        assertThat(show.status()).isEqualTo(200);
        assertThat(show.body().get("expiresAt").asText()).isNotEmpty();

        Response deleted = send(b, "DELETE", "/api/v1/sessions/" + path(clientId), null);
        assertThat(deleted.status()).isEqualTo(200);
        assertThat(get(a, "/api/v1/sessions/" + path(clientId)).status()).isEqualTo(404);
        assertThat(get(a, "/api/v1/subscriptions?clientId=" + enc(clientId)).status()).isEqualTo(404);
        try (MqttTestClient again = new MqttTestClient(b.mqttPort(), clientId, 10, false)) {
            assertThat(again.sessionPresent()).isFalse();
        }
        send(a, "DELETE", "/api/v1/sessions/" + path(clientId), null);
    }

    @Test
    void anInjectedRetainedMessageReachesASubscriberAndIsShownAndDeleted() throws Exception {
        String root = "adm-ret-" + System.nanoTime();
        String topic = root + "/room 1/temp";
        try (MqttTestClient sub = new MqttTestClient(b.mqttPort())) {
            sub.subscribe(root + "/#", 1);
            Response published = send(a, "POST", "/api/v1/publish",
                    JSON.writeValueAsString(Map.of("topic", topic, "payload", "21.5", "qos", 1, "retain", true)));
            assertThat(published.status()).as(published.raw().body()).isEqualTo(200);
            Received got = sub.next(WAIT);
            assertThat(got).isNotNull();
            assertThat(got.topic()).isEqualTo(topic);
            assertThat(got.payload()).isEqualTo("21.5");
        }
        Response one = get(b, "/api/v1/retained/" + path(topic));
        assertThat(one.status()).isEqualTo(200);
        assertThat(one.body().get("payload").asText()).isEqualTo("21.5");
        assertThat(one.body().get("qos").asInt()).isEqualTo(1);
        assertThat(texts(get(a, "/api/v1/retained?prefix=" + enc(root)).body().get("retained"), "topic")).containsExactly(topic);

        Response topics = get(a, "/api/v1/topics?prefix=" + enc(root));
        assertThat(topics.status()).isEqualTo(200);
        assertThat(topics.body().get("rules").get(0).get("filter").asText()).isEqualTo("sensors/#");
        assertThat(topics.body().get("defaultTopic").asText()).isNotEmpty();

        assertThat(send(b, "DELETE", "/api/v1/retained/" + path(topic), null).status()).isEqualTo(200);
        assertThat(get(a, "/api/v1/retained/" + path(topic)).status()).isEqualTo(404);
        assertThat(send(a, "DELETE", "/api/v1/retained/" + path(topic), null).status()).isEqualTo(404);
    }

    @Test
    void aFilterInUseIsListedWithItsLmqAndBacklog() throws Exception {
        String filter = "adm-topics-" + System.nanoTime() + "/+/t";
        try (MqttTestClient sub = new MqttTestClient(a.mqttPort())) {
            sub.subscribe(filter, 0);
            try (MqttTestClient pub = new MqttTestClient(b.mqttPort())) {
                pub.publish(filter.replace("+", "x"), "m", 1);
            }
            assertThat(sub.next(WAIT)).isNotNull();
            Response topics = get(b, "/api/v1/topics?prefix=" + enc(filter));
            assertThat(topics.status()).isEqualTo(200);
            JsonNode f = topics.body().get("filters").get(0);
            assertThat(f.get("filter").asText()).isEqualTo(filter);
            assertThat(f.get("lmq").asText()).startsWith("%LMQ%");
            assertThat(f.get("backlog").asLong()).isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void badRequestsGetA4xxWithAJsonError() throws Exception {
        List<Response> bad = new ArrayList<>();
        assertThat(get(b, "/nope").status()).isEqualTo(404);
        assertThat(get(b, "/api/v1/nope").status()).isEqualTo(404);
        assertThat(get(b, "/api/v1/cluster/x").status()).isEqualTo(404);
        Response post = send(b, "POST", "/health", "{}");
        assertThat(post.status()).isEqualTo(405);
        assertThat(post.raw().headers().firstValue("Allow")).contains("GET");
        assertThat(send(b, "PUT", "/api/v1/clients/x", "{}").status()).isEqualTo(405);
        bad.add(get(b, "/api/v1/clients?limit=abc"));
        bad.add(get(b, "/api/v1/clients?limit=0"));
        bad.add(get(b, "/api/v1/subscriptions"));
        bad.add(get(b, "/api/v1/subscriptions?filter=" + enc("a/#/b")));
        bad.add(get(b, "/api/v1/retained/" + path("a/+/b")));
        bad.add(send(b, "POST", "/api/v1/publish", "not json"));
        bad.add(send(b, "POST", "/api/v1/publish", "{\"payload\":\"x\"}"));
        bad.add(send(b, "POST", "/api/v1/publish", "{\"topic\":\"a/#\",\"payload\":\"x\"}"));
        bad.add(send(b, "POST", "/api/v1/publish", "{\"topic\":\"a\",\"qos\":3}"));
        bad.add(send(b, "POST", "/api/v1/publish", "{\"topic\":\"a\",\"unknown\":1}"));
        bad.add(send(b, "POST", "/api/v1/publish", "{\"topic\":\"a\",\"payloadBase64\":\"***\"}"));
        for (Response r : bad) {
            assertThat(r.status()).as(r.raw().uri() + " " + r.raw().body()).isEqualTo(400);
            assertThat(r.body().get("error").asText()).isNotEmpty();
            assertThat(r.raw().body()).doesNotContain("at org.");
        }
        assertThat(get(b, "/api/v1/sessions/" + path("no-such-" + System.nanoTime())).status()).isEqualTo(404);
        Response tooBig = send(b, "POST", "/api/v1/publish", "{\"topic\":\"a\",\"payload\":\"" + "x".repeat(3 << 20) + "\"}");
        assertThat(tooBig.status()).isEqualTo(413);
    }

    /**
     * A client still sending a refused body must get the 413, not a reset: the server has to read
     * the rest of the body before it closes. Raw socket, so no client library retries or hides it.
     */
    @Test
    void anOversizedBodyStillBeingSentGetsThe413() throws Exception {
        byte[] body = ("{\"topic\":\"a\",\"payload\":\"" + "x".repeat(3 << 20) + "\"}").getBytes(StandardCharsets.US_ASCII);
        byte[] head = ("POST /api/v1/publish HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 5; i++) {
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", b.adminPort())) {
                socket.setSoTimeout(20_000);
                java.util.concurrent.CompletableFuture<Void> sent = java.util.concurrent.CompletableFuture.runAsync(() -> {
                    try {
                        socket.getOutputStream().write(head);
                        for (int off = 0; off < body.length; off += 64 << 10) {
                            socket.getOutputStream().write(body, off, Math.min(64 << 10, body.length - off));
                        }
                        socket.getOutputStream().flush();
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                assertThat(response).startsWith("HTTP/1.1 413").contains("\"error\"");
                sent.get(20, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
    }
}
