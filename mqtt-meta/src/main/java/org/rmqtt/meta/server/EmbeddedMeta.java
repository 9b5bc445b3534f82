package org.rmqtt.meta.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.rmqtt.meta.MetaClient;
import org.rmqtt.meta.MetaUnavailableException;
import org.rmqtt.meta.client.MetaPeer;
import org.rmqtt.meta.client.RatisMetaClient;

/**
 * The meta state of the standalone process: a one-peer meta group on 127.0.0.1 with its data in
 * {@code dataDir}, and a client of it. Same code path as a meta service of three or five peers,
 * only with a group of one, so what standalone mode tests is what clusters run; the one difference
 * is the client's transport, which hands requests to the peer in this process
 * ({@link InProcessClientRpc}). The peer's port stays open (status queries use it).
 */
public final class EmbeddedMeta {

    static final String PEER_ID = "meta0";

    private EmbeddedMeta() {
    }

    /**
     * Starts the peer (on a free loopback port) and returns a client whose view is loaded; closing
     * the client stops the peer.
     */
    public static MetaClient start(Path dataDir) throws IOException {
        return start(dataDir, config -> config);
    }

    /** As {@link #start(Path)}, with the server settings adjusted by {@code tune} (tests use short leases). */
    public static MetaClient start(Path dataDir, UnaryOperator<MetaServerConfig> tune)
            throws IOException {
        return start(dataDir, tune, peers -> RatisMetaClient.Config.of(peers));
    }

    /** As {@link #start(Path, UnaryOperator)}, with the client's settings made from the peer list by {@code clientConfig}. */
    public static MetaClient start(Path dataDir, UnaryOperator<MetaServerConfig> tune,
            Function<List<MetaPeer>, RatisMetaClient.Config> clientConfig) throws IOException {
        List<MetaPeer> peers = List.of(new MetaPeer(PEER_ID, "127.0.0.1", freeLoopbackPort()));
        MetaServer server = new MetaServer(tune.apply(MetaServerConfig.of(PEER_ID, peers, dataDir))).start();
        RatisMetaClient.Config config = clientConfig.apply(peers);
        try {
            if (!server.awaitLeaderReady(config.callTimeout())) {
                throw new MetaUnavailableException("the embedded meta peer did not lead its group of one within "
                        + config.callTimeout().toMillis() + " ms (data in " + dataDir + ")");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.close();
            throw new MetaUnavailableException("interrupted while the embedded meta peer started", e);
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        // The peer is in this process: calls reach it as objects, not through its port.
        RatisMetaClient client = RatisMetaClient.connect(config, server, server::inProcessTransport);
        try {
            return client.awaitView();
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    static int freeLoopbackPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }
}
