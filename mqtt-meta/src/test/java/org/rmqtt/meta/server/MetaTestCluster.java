package org.rmqtt.meta.server;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.rmqtt.meta.client.MetaGroup;
import org.rmqtt.meta.client.MetaPeer;
import org.rmqtt.meta.client.RatisMetaClient;

/** Real meta peers on 127.0.0.1 free ports, each with its own data dir under a test's temp dir. */
final class MetaTestCluster implements AutoCloseable {

    private final Path root;
    private final List<MetaPeer> peers = new ArrayList<>();
    private final UnaryOperator<MetaServerConfig> tune;
    private final Map<String, MetaServer> running = new LinkedHashMap<>();
    private final List<RatisMetaClient> clients = new ArrayList<>();

    private MetaTestCluster(Path root, int size, UnaryOperator<MetaServerConfig> tune) throws IOException {
        this.root = root;
        this.tune = tune;
        for (int i = 1; i <= size; i++) {
            peers.add(new MetaPeer("m" + i, "127.0.0.1", EmbeddedMeta.freeLoopbackPort()));
        }
    }

    /** Test settings: leases expire promptly once due. */
    static MetaServerConfig testDefaults(MetaServerConfig config) {
        return config.withLeaseReaper(Duration.ZERO, Duration.ofMillis(50));
    }

    static MetaTestCluster create(Path root, int size, UnaryOperator<MetaServerConfig> tune) throws IOException {
        return new MetaTestCluster(root, size, c -> tune.apply(testDefaults(c)));
    }

    /** Creates the cluster and starts every peer. */
    static MetaTestCluster start(Path root, int size) throws IOException {
        MetaTestCluster cluster = create(root, size, c -> c);
        cluster.startAll();
        return cluster;
    }

    void startAll() throws IOException {
        for (MetaPeer peer : peers) {
            start(peer.id());
        }
    }

    List<MetaPeer> peers() {
        return peers;
    }

    MetaServerConfig config(String id) {
        return tune.apply(MetaServerConfig.of(id, peers, root.resolve(id)));
    }

    MetaServer start(String id) throws IOException {
        MetaServer server = new MetaServer(config(id)).start();
        running.put(id, server);
        return server;
    }

    void stop(String id) {
        MetaServer server = running.remove(id);
        if (server != null) {
            server.close();
        }
    }

    void stopAll() {
        List.copyOf(running.keySet()).forEach(this::stop);
    }

    MetaServer server(String id) {
        return running.get(id);
    }

    /** Waits until one running peer is a ready leader. */
    MetaServer leader() {
        return await().atMost(Duration.ofSeconds(30)).until(() -> {
            for (MetaServer server : running.values()) {
                if (server.raftServer().getDivision(MetaGroup.ID).getInfo().isLeaderReady()) {
                    return server;
                }
            }
            return null;
        }, s -> s != null);
    }

    MetaServer aFollower() {
        MetaServer leader = leader();
        return running.values().stream().filter(s -> s != leader).findFirst().orElseThrow();
    }

    /** A client with a generous call timeout: these tests check behaviour across failures, not latency. */
    RatisMetaClient client() {
        return client(RatisMetaClient.Config.of(peers).withCallTimeout(Duration.ofSeconds(20)));
    }

    RatisMetaClient client(RatisMetaClient.Config config) {
        RatisMetaClient client = RatisMetaClient.connect(config);
        clients.add(client);
        return client;
    }

    @Override
    public void close() {
        clients.forEach(RatisMetaClient::close);
        clients.clear();
        stopAll();
    }
}
