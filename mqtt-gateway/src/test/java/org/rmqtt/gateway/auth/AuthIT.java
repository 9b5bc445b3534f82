package org.rmqtt.gateway.auth;

import org.rmqtt.common.health.Counters;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rmqtt.gateway.Gateway;
import org.rmqtt.gateway.TestGateways;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * One gateway with auth.chain=file,http, a password file, an ACL file and an HTTP hook served by
 * the JDK's HttpServer; real Paho clients. Logs are captured at DEBUG to show no password leaks.
 */
class AuthIT {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String ACL = """
            user alice
            topic readwrite alice/#
            topic write shared/#
            topic deny shared/secret/#
            user bob
            topic read shared/#
            user carol
            topic write shared/#
            pattern readwrite devices/%c/#
            pattern read inbox/%u/#
            """;

    private static Path dir;
    private static Path passwd;
    private static Path acl;
    private static HttpServer hook;
    private static final List<String> hookBodies = new CopyOnWriteArrayList<>();
    private static Gateway gateway;
    private static final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private static Level rmqttLevel;
    private static final List<MqttClient> clients = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("rmqtt-auth-it-");
        passwd = dir.resolve("passwd");
        acl = dir.resolve("acl");
        for (String user : List.of("alice", "bob", "carol", "dave")) {
            addUser(user);
        }
        Files.writeString(acl, ACL);
        hook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        hook.setExecutor(Executors.newCachedThreadPool());
        hook.createContext("/auth", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            hookBodies.add(body);
            String result = body.contains("\"username\":\"hook-allow\"") ? "allow"
                    : body.contains("\"username\":\"hook-deny\"") ? "deny" : "ignore";
            if (body.contains("\"username\":\"hook-slow\"")) {
                try {
                    Thread.sleep(6_000); // beyond auth.http.timeout
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            int status = body.contains("\"username\":\"hook-broken\"") ? 500 : 200;
            byte[] answer = ("{\"result\":\"" + result + "\"}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        hook.start();
        Logger rmqtt = (Logger) LoggerFactory.getLogger("org.rmqtt");
        rmqttLevel = rmqtt.getLevel();
        rmqtt.setLevel(Level.DEBUG);
        logs.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logs);
        gateway = TestGateways.start(Map.of(
                "auth.chain", "file,http",
                "auth.passwordFile", passwd.toString(),
                "auth.aclFile", acl.toString(),
                "auth.reloadInterval", "100ms",
                "auth.http.url", "http://127.0.0.1:" + hook.getAddress().getPort() + "/auth?token=hook-secret",
                "auth.http.timeout", "2s",
                "auth.http.cacheTtl", "0"));
        // The first request of a JVM's HTTP client is slow; the tests measure the hook, not that.
        connect("hook-warm-up", "hook-allow", "x").disconnect();
    }

    @AfterAll
    static void stop() throws Exception {
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
        if (gateway != null) {
            gateway.close();
        }
        if (hook != null) {
            hook.stop(0);
            ((java.util.concurrent.ExecutorService) hook.getExecutor()).shutdownNow();
        }
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
        ((Logger) LoggerFactory.getLogger("org.rmqtt")).setLevel(rmqttLevel);
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static void addUser(String user) {
        CommandLine cmd = new CommandLine(new PasswdCommand(
                new ByteArrayInputStream(("pw-" + user + "\n").getBytes(StandardCharsets.UTF_8))));
        cmd.setOut(new java.io.PrintWriter(java.io.OutputStream.nullOutputStream()));
        assertThat(cmd.execute("-f", passwd.toString(), "--password-stdin", "--iterations", "100000", user)).isZero();
    }

    private static void replace(Path file, String content) throws java.io.IOException {
        Path temp = Files.writeString(file.resolveSibling(file.getFileName() + ".new"), content);
        Files.move(temp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static MqttClient connect(String clientId, String user, String password) throws MqttException {
        return connect(clientId, user, password, null);
    }

    private static MqttClient connect(String clientId, String user, String password, String willTopic) throws MqttException {
        MqttClient client = new MqttClient("tcp://127.0.0.1:" + gateway.mqttPort(), clientId, new MemoryPersistence());
        client.setTimeToWait(30_000);
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(true);
        options.setAutomaticReconnect(false);
        if (user != null) {
            options.setUserName(user);
        }
        if (password != null) {
            options.setPassword(password.toCharArray());
        }
        if (willTopic != null) {
            options.setWill(willTopic, "gone".getBytes(StandardCharsets.UTF_8), 1, false);
        }
        try {
            client.connect(options);
        } catch (MqttException e) {
            client.close();
            throw e;
        }
        clients.add(client);
        return client;
    }

    /** The CONNACK code a refused CONNECT got. */
    private static int refusal(String clientId, String user, String password) {
        MqttException e = catchThrowableOfType(() -> connect(clientId, user, password), MqttException.class);
        assertThat(e).as("CONNECT of %s was refused", user).isNotNull();
        return e.getReasonCode();
    }

    /** The granted QoS per filter, 128 for a refused one. */
    private static int[] subscribe(MqttClient client, String... filters) throws MqttException {
        int[] qos = new int[filters.length];
        java.util.Arrays.fill(qos, 1);
        try {
            return client.subscribeWithResponse(filters, qos).getGrantedQos();
        } catch (MqttException e) {
            // Paho throws when the only filter of a SUBSCRIBE is refused
            if (filters.length == 1 && e.getReasonCode() == MqttException.REASON_CODE_SUBSCRIBE_FAILED) {
                return new int[] {128};
            }
            throw e;
        }
    }

    private static BlockingQueue<String> inbox(MqttClient client) {
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        client.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
            }

            @Override
            public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage message) {
                received.add(topic + " " + new String(message.getPayload(), StandardCharsets.UTF_8));
            }

            @Override
            public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken token) {
            }
        });
        return received;
    }

    @Test
    void onlyTheRightPasswordLetsIn() throws Exception {
        assertThat(refusal("anon-1", null, null)).isEqualTo(5); // anonymous is not in the chain
        assertThat(refusal("alice-1", "alice", "wrong-pw")).isEqualTo(4);
        assertThat(refusal("alice-2", "alice", null)).isEqualTo(4);
        assertThat(refusal("nobody-1", "nobody", "pw-x")).isEqualTo(5); // unknown to the file, ignored by the hook
        assertThat(connect("alice-3", "alice", "pw-alice").isConnected()).isTrue();
        assertThat(gateway.counters().get(Counters.Name.AUTH_BAD_CREDENTIALS)).isGreaterThanOrEqualTo(2);
    }

    @Test
    void theHttpHookAllowsDeniesAndIsUnavailableWhenLateOrBroken() throws Exception {
        assertThat(connect("hook-1", "hook-allow", "hook-pw").isConnected()).isTrue();
        assertThat(hookBodies).anySatisfy(body -> assertThat(body).contains("\"clientId\":\"hook-1\"", "\"password\":\"hook-pw\"",
                "\"peerAddress\":\"127.0.0.1:"));
        assertThat(refusal("hook-2", "hook-deny", "x")).isEqualTo(5);
        assertThat(refusal("hook-3", "hook-slow", "x")).isEqualTo(3);
        assertThat(refusal("hook-4", "hook-broken", "x")).isEqualTo(3);
    }

    @Test
    void aDeniedFilterGets0x80AndTheOthersOfTheSameSubscribeAreGranted() throws Exception {
        MqttClient alice = connect("alice-sub", "alice", "pw-alice");
        assertThat(subscribe(alice, "alice/#", "shared/#", "bob/#")).containsExactly(1, 128, 128);
    }

    @Test
    void aDeniedPublishIsAcknowledgedButNeverDelivered() throws Exception {
        MqttClient bob = connect("bob-sub", "bob", "pw-bob");
        BlockingQueue<String> received = inbox(bob);
        assertThat(subscribe(bob, "shared/#")).containsExactly(1);
        MqttClient alice = connect("alice-pub", "alice", "pw-alice");
        MqttClient carol = connect("carol-pub", "carol", "pw-carol");
        long denied = gateway.counters().get(Counters.Name.ACL_PUBLISH_DENIED);
        // Both complete: PUBACK, and PUBREC/PUBREL/PUBCOMP.
        alice.publish("shared/secret/x", "from-alice".getBytes(StandardCharsets.UTF_8), 1, false);
        alice.publish("shared/secret/x", "from-alice-qos2".getBytes(StandardCharsets.UTF_8), 2, false);
        assertThat(gateway.counters().get(Counters.Name.ACL_PUBLISH_DENIED)).isEqualTo(denied + 2);
        // Stored after alice's were acknowledged, on the same topic: had hers been stored, they came first.
        carol.publish("shared/secret/x", "from-carol".getBytes(StandardCharsets.UTF_8), 1, false);
        alice.publish("shared/open", "alice-open".getBytes(StandardCharsets.UTF_8), 1, false);
        List<String> got = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            got.add(received.poll(WAIT.toSeconds(), TimeUnit.SECONDS));
        }
        assertThat(got).containsExactlyInAnyOrder("shared/secret/x from-carol", "shared/open alice-open");
    }

    @Test
    void patternsGrantEachClientItsOwnTopics() throws Exception {
        MqttClient dave = connect("dev42", "dave", "pw-dave");
        BlockingQueue<String> received = inbox(dave);
        assertThat(subscribe(dave, "devices/dev42/#", "devices/dev43/#", "inbox/dave/#", "inbox/erin/#"))
                .containsExactly(1, 128, 1, 128);
        dave.publish("devices/dev42/temp", "21".getBytes(StandardCharsets.UTF_8), 1, false);
        assertThat(received.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("devices/dev42/temp 21");
    }

    @Test
    void aWillToADeniedTopicIsDroppedAtConnect() throws Exception {
        long before = gateway.counters().get(Counters.Name.ACL_WILL_DENIED);
        assertThat(connect("dev77", "dave", "pw-dave", "devices/dev77/status").isConnected()).isTrue();
        assertThat(gateway.counters().get(Counters.Name.ACL_WILL_DENIED)).isEqualTo(before);
        assertThat(connect("dev78", "dave", "pw-dave", "devices/other/status").isConnected()).isTrue();
        assertThat(gateway.counters().get(Counters.Name.ACL_WILL_DENIED)).isEqualTo(before + 1);
    }

    @Test
    void passwordAndAclFilesReloadWithoutRestart() throws Exception {
        assertThat(refusal("erin-1", "erin", "pw-erin")).isEqualTo(5);
        addUser("erin");
        Awaitility.await().atMost(WAIT).ignoreExceptions().until(() -> connect("erin-2", "erin", "pw-erin").isConnected());
        MqttClient erin = clients.get(clients.size() - 1);
        assertThat(subscribe(erin, "news/#")).containsExactly(128);
        // Written as operators should: a new file moved into place. The other tests' rules stay.
        replace(acl, ACL + "user erin\ntopic read news/#\n");
        Awaitility.await().atMost(WAIT).until(() -> subscribe(erin, "news/#", "sport/#")[0] == 1);
        assertThat(subscribe(erin, "news/#", "sport/#")).containsExactly(1, 128);

        // A bad line: the rules in force stay, and a WARN names file and line.
        replace(acl, ACL + "user erin\ntopic read news/#\ntopic read news/#/bad\n");
        Awaitility.await().atMost(WAIT).until(() -> logs.list.stream().anyMatch(e -> e.getLevel() == Level.WARN
                && e.getFormattedMessage().contains(acl + ":" + (ACL.lines().count() + 3))));
        assertThat(subscribe(erin, "news/#", "sport/#")).containsExactly(1, 128);
    }

    @Test
    void noPasswordReachesTheLogs() throws Exception {
        assertThat(refusal("leak-1", "alice", "wrong-pw-leak")).isEqualTo(4);
        assertThat(connect("leak-2", "alice", "pw-alice").isConnected()).isTrue();
        assertThat(refusal("leak-3", "hook-slow", "hook-pw-leak")).isEqualTo(3);
        assertThat(logs.list).isNotEmpty().noneSatisfy(e -> assertThat(e.getFormattedMessage())
                .containsAnyOf("wrong-pw-leak", "pw-alice", "hook-pw-leak", "hook-secret", "$pbkdf2"));
        assertThat(gateway.toString()).doesNotContain("hook-secret");
    }
}
