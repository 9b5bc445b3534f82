package org.rmqtt.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The walkthrough of docs/operations.md ("A cluster on one machine"), run from the unpacked
 * distribution with its bin/ scripts: three meta peers, a RocketMQ name server and broker with the
 * dispatch plug-in ({@code bin/mqtt-rocketmq}), two gateways, each a separate process on free
 * 127.0.0.1 ports. QoS 1 messages cross the gateways both ways; then every process is stopped with
 * its stop script.
 */
class ClusterWalkthroughIT {
    // A bound for a start, not an expectation: an idle machine starts each process in 5-15 s; a
    // build machine shared with other builds has taken over a minute.
    private static final Duration START = Duration.ofSeconds(180);

    @TempDir
    Path work;

    @Test
    void metaPeersRocketMqAndTwoGatewaysDeliverAcrossGateways() throws Exception {
        try (Distribution dist = new Distribution(Distribution.builtDirectory(), work)) {
            List<String> peerList = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                peerList.add("m" + i + "=127.0.0.1:" + Distribution.freePort());
            }
            String peers = String.join(",", peerList);
            parallel(List.of(1, 2, 3), i -> dist.startDaemon("m" + i, "mqtt-meta", "Meta peer m" + i + " started",
                    START, "--id", "m" + i, "--peers", peers));

            int namesrvPort = Distribution.freePort();
            dist.startDaemon("rocketmq", "mqtt-rocketmq", "RocketMQ only", START,
                    "--rocketmq.embedded.namesrvPort=" + namesrvPort,
                    "--rocketmq.embedded.brokerPort=" + Distribution.freeBrokerPort(),
                    "--meta.peers=" + peers, "--meta.timeout=30s");

            int[] mqttPorts = {Distribution.freePort(), Distribution.freePort()};
            parallel(List.of(1, 2), i -> dist.startDaemon("gw" + i, "mqtt-gateway", " ready: MQTT on", START,
                    "--node.id=gw" + i, "--mqtt.host=127.0.0.1", "--mqtt.port=" + mqttPorts[i - 1],
                    "--notify.port=" + Distribution.freePort(), "--rocketmq.namesrv=127.0.0.1:" + namesrvPort,
                    "--meta.peers=" + peers, "--meta.timeout=30s",
                    "--admin.port=" + Distribution.freePort(), "--auth.chain=anonymous"));

            try (MqttClients.Subscriber on1 = MqttClients.subscribe(mqttPorts[0], "sub-1", "walk/to-1/#");
                    MqttClients.Subscriber on2 = MqttClients.subscribe(mqttPorts[1], "sub-2", "walk/to-2/+")) {
                MqttClients.publish(mqttPorts[1], "pub-2", "walk/to-1/a", "from gateway 2");
                MqttClients.publish(mqttPorts[0], "pub-1", "walk/to-2/b", "from gateway 1");
                assertThat(on1.next(30)).isEqualTo("walk/to-1/a from gateway 2");
                assertThat(on2.next(30)).isEqualTo("walk/to-2/b from gateway 1");
            }

            for (String name : List.of("gw1", "gw2", "rocketmq", "m1", "m2", "m3")) {
                long pid = dist.pid(name);
                Distribution.Result stop = dist.stop(name);
                assertThat(stop.exitCode()).as(name + ": " + stop.stdout() + stop.stderr()).isZero();
                assertThat(stop.stdout()).contains("stopped pid " + pid);
                assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as(name).isFalse();
                assertThat(Files.exists(dist.dataDir(name).resolve(
                        (name.startsWith("m") ? "mqtt-meta" : name.startsWith("gw") ? "mqtt-gateway" : "mqtt-rocketmq")
                                + ".pid"))).as(name + " pid file").isFalse();
            }
        }
    }

    private interface Start {
        void run(int i) throws Exception;
    }

    /**
     * Starts several processes at once, one thread each: a meta peer is ready only once a
     * majority of peers runs, so their starts must not wait for one another.
     */
    private static void parallel(List<Integer> indexes, Start start) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(indexes.size());
        try {
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (int i : indexes) {
                all.add(CompletableFuture.runAsync(() -> {
                    try {
                        start.run(i);
                    } catch (Exception e) {
                        throw new CompletionException(e);
                    }
                }, threads));
            }
            try {
                CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
            } catch (CompletionException e) {
                if (e.getCause() instanceof Exception cause) {
                    throw cause;
                }
                throw e;
            }
        } finally {
            threads.shutdownNow();
        }
    }
}
