package org.rmqtt.gateway.fault;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.proto.RaftProtos.ReplicationLevel;
import org.apache.ratis.protocol.RaftClientReply;
import org.rmqtt.gateway.StandaloneMain;
import org.rmqtt.meta.client.MetaGroup;
import org.rmqtt.meta.client.MetaPeer;
import org.rmqtt.meta.server.MetaServerMain;

/**
 * A cluster as an operator runs it on one machine, every part its own process on 127.0.0.1 and
 * free ports: three meta peers ({@code bin/mqtt-meta}), one RocketMQ name server + broker with the
 * dispatch plug-in ({@code bin/mqtt-rocketmq}) and two gateways ({@code bin/mqtt-gateway}).
 */
final class FaultCluster implements AutoCloseable {
    private static final Duration START = Duration.ofSeconds(120);

    private final List<MetaPeer> metaPeers = new ArrayList<>();
    private final List<ChildJvm> meta = new ArrayList<>();
    private final ChildJvm broker;
    private final List<ChildJvm> gateways = new ArrayList<>();
    private final List<Integer> mqttPorts = new ArrayList<>();

    FaultCluster(Path dataRoot, Path logs) {
        try {
            for (int i = 1; i <= 3; i++) {
                metaPeers.add(new MetaPeer("m" + i, "127.0.0.1", freePort()));
            }
            String peers = MetaPeer.formatList(metaPeers);
            for (MetaPeer peer : metaPeers) {
                meta.add(new ChildJvm("meta-" + peer.id(), MetaServerMain.class, List.of(
                        "--id", peer.id(), "--peers", peers, "--data.dir", dataRoot.resolve(peer.id()).toString()),
                        logs.resolve("meta-" + peer.id() + ".log"), "-Xmx256m"));
            }
            int namesrvPort = freePort();
            int brokerPort = freeBrokerPort();
            broker = new ChildJvm("broker", StandaloneMain.class, List.of(
                    "--gateway.enabled=false",
                    "--rocketmq.embedded=true",
                    "--rocketmq.embedded.namesrvPort=" + namesrvPort,
                    "--rocketmq.embedded.brokerPort=" + brokerPort,
                    "--meta.peers=" + peers,
                    // Its meta client only feeds the plug-in's view of wildcard filters; on a busy
                    // machine loading that view at start can take longer than the default 5 s.
                    "--meta.timeout=30s",
                    "--data.dir=" + dataRoot.resolve("broker")),
                    logs.resolve("broker.log"), "-Xmx768m");
            for (int i = 1; i <= 2; i++) {
                int mqttPort = freePort();
                mqttPorts.add(mqttPort);
                gateways.add(new ChildJvm("gw" + i, StandaloneMain.class, List.of(
                        "--node.id=gw" + i,
                        "--mqtt.host=127.0.0.1",
                        "--auth.chain=anonymous",
                        "--mqtt.port=" + mqttPort,
                        "--notify.host=127.0.0.1",
                        "--notify.port=" + freePort(),
                        "--admin.port=0",
                        "--rocketmq.namesrv=127.0.0.1:" + namesrvPort,
                        "--meta.peers=" + peers,
                        "--data.dir=" + dataRoot.resolve("gw" + i)),
                        logs.resolve("gw" + i + ".log"), "-Xmx512m"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts what is not running: meta first (the others wait for it), then the broker, then the gateways. */
    void ensureRunning() throws Exception {
        List<CompletableFuture<Void>> starts = new ArrayList<>();
        for (int i = 0; i < meta.size(); i++) {
            ChildJvm peer = meta.get(i);
            MetaPeer address = metaPeers.get(i);
            if (!peer.isAlive()) {
                peer.start();
                starts.add(CompletableFuture.runAsync(() -> awaitPort(peer, address.port())));
            }
        }
        join(starts);
        if (!broker.isAlive()) {
            startBroker();
        }
        starts.clear();
        for (ChildJvm gateway : gateways) {
            if (!gateway.isAlive()) {
                starts.add(CompletableFuture.runAsync(() -> startAndAwait(gateway, " ready: MQTT on")));
            }
        }
        join(starts);
    }

    void startBroker() {
        startAndAwait(broker, "RocketMQ only");
    }

    /**
     * Starts {@code child} and waits for its ready line. A process that exits during start-up is
     * started once more: on a busy 2-core machine a start can miss the meta view's 5 s bound
     * (host pauses of 1-3 s were seen), which is the environment, not the fault under test.
     */
    private static void startAndAwait(ChildJvm child, String ready) {
        for (int attempt = 1; ; attempt++) {
            try {
                child.start();
                child.awaitLog(ready, START);
                return;
            } catch (IllegalStateException e) {
                if (attempt > 1 || child.isAlive()) {
                    throw e;
                }
                System.out.printf("FaultCluster: %s exited during start-up, starting it again: %s%n", child.name(),
                        e.getMessage().lines().findFirst().orElse(""));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    ChildJvm broker() {
        return broker;
    }

    ChildJvm gateway(int index) {
        return gateways.get(index);
    }

    ChildJvm metaPeer(String id) {
        return meta.get(metaPeers.indexOf(metaPeers.stream().filter(p -> p.id().equals(id)).findFirst().orElseThrow()));
    }

    /** The MQTT addresses of the gateways, as Paho server URIs. */
    List<String> mqttUris() {
        return mqttPorts.stream().map(p -> "tcp://127.0.0.1:" + p).toList();
    }

    /**
     * The id of the meta peer that is the Raft leader: the one that answers a watch of index 0,
     * which only the leader serves (Ratis's group-info call is not supported over its Netty transport).
     */
    Optional<String> metaLeader() {
        try (RaftClient client = MetaGroup.newClient(metaPeers, Duration.ofSeconds(5))) {
            RaftClientReply reply = client.io().watch(0, ReplicationLevel.MAJORITY);
            return reply.isSuccess() ? Optional.of(reply.getServerId().toString()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Kills everything: SIGKILL, since the data is thrown away. */
    @Override
    public void close() {
        List<ChildJvm> all = new ArrayList<>(gateways);
        all.add(broker);
        all.addAll(meta);
        for (ChildJvm child : all) {
            if (child == null) {
                continue;
            }
            try {
                child.kill();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void join(List<CompletableFuture<Void>> starts) {
        CompletableFuture.allOf(starts.toArray(CompletableFuture[]::new)).join();
    }

    private static void awaitPort(ChildJvm child, int port) {
        long deadline = System.nanoTime() + START.toNanos();
        while (!accepts(port)) {
            if (!child.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException(child.name() + " does not listen on " + port + "; log:\n" + child.tail());
            }
            try {
                TimeUnit.MILLISECONDS.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
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

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** RocketMQ's broker also listens on its port - 2. */
    private static int freeBrokerPort() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int port = freePort();
            if (port > 1026) {
                try (ServerSocket s = new ServerSocket(port - 2, 1, InetAddress.getLoopbackAddress())) {
                    return port;
                } catch (IOException busy) {
                    // try another
                }
            }
        }
        throw new IOException("no free port pair for the broker");
    }
}
