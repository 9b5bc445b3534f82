package org.rmqtt.gateway.admin;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Instant;
import java.util.SortedMap;
import org.rmqtt.gateway.session.Session;

/**
 * A connected client as the admin API shows it.
 *
 * @param filters filter → granted QoS; only when details were asked for (show, subscriptions)
 */
public record ClientInfo(String clientId, String gateway, String remoteAddress, String connectedAt, boolean cleanSession,
                         int keepAliveSeconds, int inflight, int subscriptions, SortedMap<String, Integer> filters) {

    /** On the session's loop: its fields are confined to it. */
    static ClientInfo of(String nodeId, Session session, boolean details) {
        long at = session.connectedAtMillis();
        SortedMap<String, Integer> filters = session.subscriptionQos();
        return new ClientInfo(session.clientId(), nodeId, address(session.channel().remoteAddress()),
                at == 0 ? null : Instant.ofEpochMilli(at).toString(), !session.persistent(), session.keepAliveSeconds(),
                session.inflightCount(), filters.size(), details ? filters : null);
    }

    private static String address(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            return inet.getAddress() == null ? inet.getHostString() + ":" + inet.getPort()
                    : inet.getAddress().getHostAddress() + ":" + inet.getPort();
        }
        return String.valueOf(address);
    }
}
