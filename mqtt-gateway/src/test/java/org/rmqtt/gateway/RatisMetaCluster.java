package org.rmqtt.gateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.rmqtt.meta.client.MetaPeer;
import org.rmqtt.meta.client.RatisMetaClient;
import org.rmqtt.meta.server.MetaServer;
import org.rmqtt.meta.server.MetaServerConfig;

/**
 * Three real meta peers (Ratis + RocksDB) on 127.0.0.1 free ports, for tests that run gateways as
 * a cluster: with the lag and batching of the real thing, not the in-memory meta.
 */
public final class RatisMetaCluster implements AutoCloseable {
    private final List<MetaPeer> peers = new ArrayList<>();
    private final List<MetaServer> servers = new ArrayList<>();
    private final List<RatisMetaClient> clients = new ArrayList<>();

    public RatisMetaCluster(Path root) {
        try {
            for (int i = 1; i <= 3; i++) {
                peers.add(new MetaPeer("m" + i, "127.0.0.1", freePort()));
            }
            for (MetaPeer peer : peers) {
                servers.add(new MetaServer(MetaServerConfig.of(peer.id(), peers, root.resolve(peer.id()))
                        .withLeaseReaper(Duration.ZERO, Duration.ofMillis(200))).start());
            }
        } catch (IOException e) {
            close();
            throw new UncheckedIOException(e);
        }
    }

    /** A client for one gateway, as a gateway process would have. */
    public RatisMetaClient newClient() {
        return newClient(Duration.ofSeconds(20));
    }

    RatisMetaClient newClient(Duration callTimeout) {
        return newClient(callTimeout, RatisMetaClient.Config.of(peers).leaseTime());
    }

    /** A client whose heartbeats grant {@code leaseTime}: shorter than a gateway's heartbeat period, leases lapse. */
    RatisMetaClient newClient(Duration callTimeout, Duration leaseTime) {
        RatisMetaClient client = RatisMetaClient.connect(RatisMetaClient.Config.of(peers)
                .withCallTimeout(callTimeout).withLeaseTime(leaseTime)).awaitView();
        clients.add(client);
        return client;
    }

    /** The peers as the gateway's meta.peers setting names them: {@code id=host:port,...}. */
    public String peersSetting() {
        return String.join(",", peers.stream().map(p -> p.id() + "=" + p.host() + ":" + p.port()).toList());
    }

    /** Stops {@code count} peers (the last ones started). */
    void stopPeers(int count) {
        for (int i = 0; i < count && !servers.isEmpty(); i++) {
            servers.remove(servers.size() - 1).close();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        clients.forEach(RatisMetaClient::close);
        servers.forEach(MetaServer::close);
    }
}
