package org.rmqtt.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rmqtt.store.embedded.ListeningSockets;

/**
 * The built tarball as a user gets it: unpacked into a temporary directory, standalone mode started
 * with {@code bin/mqtt-standalone -d} on free ports, a QoS 1 publish and subscribe, a stop with
 * {@code bin/mqtt-standalone stop}; and bad configurations refused at start.
 */
class TarballSmokeIT {
    @TempDir
    static Path tmp;
    static Distribution dist;

    @BeforeAll
    static void unpack() throws Exception {
        Path unpacked = Files.createDirectories(tmp.resolve("unpacked"));
        dist = new Distribution(Distribution.unpack(Distribution.builtTarball(), unpacked),
                Files.createDirectories(tmp.resolve("work")));
    }

    @AfterAll
    static void stopAll() throws Exception {
        if (dist != null) {
            dist.close();
        }
    }

    /**
     * The standalone's ports as {@code --key=value} arguments, each a free port on 127.0.0.1; a
     * key added here (e.g. the admin port) is passed the same way.
     */
    static List<String> standalonePorts() throws IOException {
        Map<String, Integer> ports = new LinkedHashMap<>();
        ports.put("mqtt.port", Distribution.freePort());
        ports.put("notify.port", Distribution.freePort());
        ports.put("rocketmq.embedded.namesrvPort", Distribution.freePort());
        ports.put("rocketmq.embedded.brokerPort", Distribution.freeBrokerPort());
        ports.put("admin.port", Distribution.freePort());
        List<String> args = new ArrayList<>();
        args.add("--mqtt.host=127.0.0.1");
        // The embedded meta peer's first election can take longer than 5 s on a busy build machine.
        args.add("--meta.timeout=30s");
        ports.forEach((key, port) -> args.add("--" + key + "=" + port));
        return args;
    }

    static int portOf(List<String> args, String key) {
        return args.stream().filter(a -> a.startsWith("--" + key + "=")).map(a -> a.substring(key.length() + 3))
                .mapToInt(Integer::parseInt).findFirst().orElseThrow();
    }

    @Test
    void theTarballHoldsWhatRunsAndNothingElse() throws IOException {
        Path home = dist.home();
        assertThat(home.getFileName().toString()).isEqualTo("rocketmq-mqtt-" + System.getProperty("dist.version"));
        for (String script : List.of("mqtt-standalone", "mqtt-gateway", "mqtt-meta", "mqtt-rocketmq", "mqtt-bench",
                "mqttadmin")) {
            assertThat(home.resolve("bin").resolve(script)).isExecutable();
        }
        assertThat(home.resolve("conf/logback.xml")).isRegularFile();
        assertThat(home.resolve("conf/standalone.properties")).isRegularFile();
        assertThat(home.resolve("LICENSE")).isRegularFile();
        assertThat(home.resolve("NOTICE")).isRegularFile();
        assertThat(home.resolve("README.md")).isRegularFile();
        try (Stream<Path> jars = Files.list(home.resolve("lib"))) {
            List<String> names = jars.map(p -> p.getFileName().toString()).toList();
            assertThat(names).anyMatch(n -> n.startsWith("mqtt-gateway-"));
            assertThat(names).noneMatch(n -> n.matches("(awaitility|hamcrest|junit|assertj|org\\.eclipse\\.paho).*"));
            assertThat(names).noneMatch(n -> n.contains("kqueue") || n.contains("macos") || n.contains("riscv64"));
        }
    }

    @Test
    void standaloneStartsServesAndStopsCleanly() throws Exception {
        List<String> args = standalonePorts();
        int mqttPort = portOf(args, "mqtt.port");
        // A pid file left by a process that is gone is removed at start, not taken for a running one.
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Files.createDirectories(dist.dataDir("standalone"));
        Files.writeString(dist.dataDir("standalone").resolve("mqtt-standalone.pid"), gone.pid() + "\n");

        dist.startDaemon("standalone", "mqtt-standalone", " ready: MQTT on", Duration.ofSeconds(180),
                args.toArray(String[]::new));
        long pid = dist.pid("standalone");
        assertThat(ProcessHandle.of(pid)).hasValueSatisfying(p -> assertThat(p.isAlive()).isTrue());
        if (ListeningSockets.available()) {
            // Every port of the process, the embedded broker's and meta peer's too, on 127.0.0.1 as asked.
            assertThat(ListeningSockets.of(pid)).isNotEmpty().allSatisfy(address ->
                    assertThat(address.getAddress().isLoopbackAddress()).as("%s is a loopback address", address).isTrue());
        }

        Distribution.Result twice = dist.run("standalone", Map.of(), Duration.ofSeconds(30), "mqtt-standalone", "-d",
                "--data.dir=" + dist.dataDir("standalone"));
        assertThat(twice.exitCode()).isNotZero();
        assertThat(twice.stderr()).contains("already running as pid " + pid);

        try (MqttClients.Subscriber subscriber = MqttClients.subscribe(mqttPort, "smoke-sub", "smoke/#")) {
            MqttClients.publish(mqttPort, "smoke-pub", "smoke/hello", "from the tarball");
            assertThat(subscriber.next(30)).isEqualTo("smoke/hello from the tarball");

            // An operator finds the connected client with the admin CLI...
            String adminUrl = "http://127.0.0.1:" + portOf(args, "admin.port");
            Distribution.Result clients = dist.run("standalone", Map.of(), Duration.ofSeconds(60), "mqttadmin",
                    "--url", adminUrl, "clients", "list");
            assertThat(clients.exitCode()).as(clients.stderr()).isZero();
            assertThat(clients.stdout()).contains("smoke-sub");
            // ...and Prometheus sees the message counted both ways.
            HttpResponse<String> metrics = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(adminUrl + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(counter(metrics.body(), "mqtt_messages_received_total", "qos=\"1\"")).isEqualTo(1.0);
            assertThat(counter(metrics.body(), "mqtt_messages_sent_total", "qos=\"1\"")).isEqualTo(1.0);
            // The embedded broker's queue limit, taken from this process's open-files limit and vm.max_map_count.
            assertThat(counter(metrics.body(), "mqtt_store_queue_limit", "node=")).isPositive();
            assertThat(counter(metrics.body(), "mqtt_store_queues", "node=")).isPositive();
            // limits.maxConnections is not set: what the open-files limit leaves beside the broker's queue files.
            assertThat(counter(metrics.body(), "mqtt_connections_limit", "node="))
                    .isPositive().isLessThan(counter(metrics.body(), "process_files_max_files", "node="));

            // The subscriber stays connected: a stop closes connections too.
            Distribution.Result stop = dist.stop("standalone");
            assertThat(stop.exitCode()).as(stop.stderr()).isZero();
            assertThat(stop.stdout()).contains("stopped pid " + pid);
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            assertThat(Files.readString(dist.consoleOut("standalone", "mqtt-standalone"))).contains("Stopped in");
            // Tests assert behaviour, not timing: the stop time is reported, and measured in
            // docs/operations.md (Shutdown).
            System.out.printf("TarballSmokeIT: the standalone stopped in %d ms%n", stop.millis());
        }
    }

    /** The value of the one sample of {@code name} whose labels contain {@code label}. */
    private static double counter(String scrape, String name, String label) {
        return scrape.lines().filter(l -> l.startsWith(name + "{") && l.contains(label))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .reduce((a, b) -> {
                    throw new AssertionError("more than one " + name + " sample with " + label);
                }).orElseThrow(() -> new AssertionError("no " + name + " sample with " + label + " in:\n" + scrape));
    }

    @Test
    void aBadKeyStopsStartUpWithOneLineNamingTheKeyAndWhereItCameFrom() throws Exception {
        Path data = dist.dataDir("bad");
        Distribution.Result onCommandLine = dist.run("bad", Map.of(), Duration.ofSeconds(60), "mqtt-standalone",
                "--data.dir=" + data, "--mqtt.prot=1884");
        assertOneLine(onCommandLine, "mqtt.prot", "on the command line");

        Path file = Files.writeString(tmp.resolve("bad-gateway.properties"),
                "rocketmq.namesrv=127.0.0.1:1\nmqtt.port=70000\n");
        Distribution.Result inFile = dist.run("bad", Map.of("RMQTT_CONF", file.toString()), Duration.ofSeconds(60),
                "mqtt-gateway", "--data.dir=" + data);
        assertOneLine(inFile, "mqtt.port", file.toString());

        Distribution.Result meta = dist.run("bad", Map.of(), Duration.ofSeconds(60), "mqtt-meta",
                "--id", "m1", "--peers", "m1=127.0.0.1:1", "--data.dir", data.toString(), "--snapshot.treshold=5");
        assertOneLine(meta, "--snapshot.treshold", "mqtt-meta");

        // Broker data whose consume queues RocksDB wrote, started with the default (files).
        Path written = dist.dataDir("rocksdb-written");
        Files.createDirectories(written.resolve("rocketmq/store/consumequeue"));
        Files.writeString(written.resolve("rocketmq/store/consumequeue/CURRENT"), "MANIFEST-000005\n");
        Distribution.Result mismatch = dist.run("rocksdb-written", Map.of(), Duration.ofSeconds(60), "mqtt-standalone",
                "--data.dir=" + written);
        assertOneLine(mismatch, "rocketmq.embedded.consumeQueue", written.resolve("rocketmq").toString());
    }

    private static void assertOneLine(Distribution.Result result, String key, String origin) {
        assertThat(result.exitCode()).as(result.stdout() + result.stderr()).isNotZero();
        List<String> lines = result.stderr().strip().lines().toList();
        assertThat(lines).as(result.stderr()).hasSize(1);
        assertThat(lines.get(0)).contains(key).contains(origin);
        assertThat(result.stdout() + result.stderr()).doesNotContain("\tat ");
    }
}
