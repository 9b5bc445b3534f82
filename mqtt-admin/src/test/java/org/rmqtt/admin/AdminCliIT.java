package org.rmqtt.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rmqtt.gateway.Gateway;
import org.rmqtt.gateway.MqttTestClient;
import org.rmqtt.gateway.MqttTestClient.Received;
import org.rmqtt.gateway.TestGateways;

/** mqttadmin against a real gateway (embedded RocketMQ, in-memory meta) over real HTTP. */
class AdminCliIT {
    private static Gateway gateway;

    record Run(int exit, String out, String err) {}

    @BeforeAll
    static void start() {
        gateway = TestGateways.start();
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    private static Run run(String... args) {
        List<String> all = new ArrayList<>(List.of("--url", "http://127.0.0.1:" + gateway.adminPort()));
        all.addAll(List.of(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = AdminMain.commandLine(new PrintWriter(out), new PrintWriter(err), Map.of()).execute(all.toArray(String[]::new));
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void anOperatorFindsPublishesToAndKicksAClient() throws Exception {
        String n = Long.toString(System.nanoTime());
        String clientId = "cli-" + n;
        String topic = "cli/" + n + "/status";
        try (MqttTestClient device = new MqttTestClient(gateway.mqttPort(), clientId, 10)) {
            device.subscribe("cli/" + n + "/#", 1);

            Run list = run("clients", "list", "--prefix", clientId);
            assertThat(list.exit()).as(list.err()).isZero();
            assertThat(list.out().lines().toList()).hasSize(2);
            assertThat(list.out().lines().toList().get(1)).startsWith(clientId).contains(gateway.nodeId(), "clean");

            Run show = run("clients", "show", clientId);
            assertThat(show.exit()).isZero();
            assertThat(show.out()).contains("cli/" + n + "/#");

            Run published = run("publish", "-t", topic, "-m", "hello", "-q", "1", "-r");
            assertThat(published.exit()).as(published.err()).isZero();
            Received got = device.next(Duration.ofSeconds(30));
            assertThat(got).isNotNull();
            assertThat(got.payload()).isEqualTo("hello");

            Run retained = run("retained", "get", topic);
            assertThat(retained.exit()).isZero();
            assertThat(retained.out().strip()).endsWith("hello");
            assertThat(run("--json", "retained", "list", "--prefix", "cli/" + n).out()).contains("\"topic\" : \"" + topic + "\"");
            assertThat(run("retained", "delete", topic).exit()).isZero();

            Run kicked = run("clients", "kick", clientId);
            assertThat(kicked.exit()).as(kicked.err()).isZero();
            assertThat(kicked.out()).contains("kicked " + clientId);
            await().atMost(Duration.ofSeconds(30)).until(() -> !device.isConnected());
        }
        Run gone = run("clients", "show", clientId);
        assertThat(gone.exit()).isEqualTo(1);
        assertThat(gone.err().lines().toList()).containsExactly(
                "mqttadmin: not found: client " + clientId + " is not connected to any gateway");
    }

    @Test
    void theClusterAndTopicsCommandsPrintTables() {
        Run cluster = run("cluster");
        assertThat(cluster.exit()).as(cluster.err()).isZero();
        assertThat(cluster.out()).contains(gateway.nodeId() + " (this)", "meta leader:");
        Run topics = run("topics");
        assertThat(topics.exit()).as(topics.err()).isZero();
        assertThat(topics.out()).contains("sensors/#", "(anything else)");
    }
}
