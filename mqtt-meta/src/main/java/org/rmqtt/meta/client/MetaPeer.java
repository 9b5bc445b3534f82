package org.rmqtt.meta.client;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.rmqtt.meta.MetaValidation;

/**
 * A meta peer: its Raft id and the address of its Raft endpoint.
 *
 * @param id   the peer id, e.g. {@code m1}
 * @param host host name or IP the peer binds and is reached at
 * @param port the peer's Raft port
 */
public record MetaPeer(String id, String host, int port) {

    public MetaPeer {
        MetaValidation.id("meta peer id", id);
        if (!id.matches("[A-Za-z0-9_.-]+")) {
            throw new IllegalArgumentException("meta peer id '" + id + "' may use only letters, digits, '_', '.', '-'");
        }
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("meta peer " + id + " has no host");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("meta peer " + id + " has port " + port + " out of range");
        }
    }

    /**
     * Parses {@code id1=host:port,id2=host:port,...}, the form of {@code --peers} and of the
     * gateway's {@code meta.peers} setting.
     */
    public static List<MetaPeer> parseList(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("the meta peer list is empty; expected id1=host:port,id2=host:port");
        }
        List<MetaPeer> peers = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (String item : text.split(",")) {
            String entry = item.trim();
            int eq = entry.indexOf('=');
            int colon = entry.lastIndexOf(':');
            if (eq <= 0 || colon < eq + 2 || colon == entry.length() - 1) {
                throw new IllegalArgumentException("bad meta peer '" + entry + "'; expected id=host:port");
            }
            int port;
            try {
                port = Integer.parseInt(entry.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad port in meta peer '" + entry + "'");
            }
            MetaPeer peer = new MetaPeer(entry.substring(0, eq), entry.substring(eq + 1, colon), port);
            if (!ids.add(peer.id())) {
                throw new IllegalArgumentException("meta peer id " + peer.id() + " is listed twice");
            }
            peers.add(peer);
        }
        return List.copyOf(peers);
    }

    public static String formatList(List<MetaPeer> peers) {
        return String.join(",", peers.stream().map(MetaPeer::toString).toList());
    }

    public String address() {
        return host + ":" + port;
    }

    public InetSocketAddress socketAddress() {
        return new InetSocketAddress(host, port);
    }

    RaftPeer toRaftPeer() {
        return RaftPeer.newBuilder().setId(RaftPeerId.valueOf(id)).setAddress(address()).build();
    }

    @Override
    public String toString() {
        return id + "=" + address();
    }
}
