package org.rmqtt.gateway.session;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.rmqtt.meta.GatewayNode;
import org.rmqtt.meta.MetaClient;
import org.rmqtt.meta.SessionClaim;
import org.rmqtt.store.notify.NotifyClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which client is connected here, and the cluster-wide claim on each clientId: a new connection
 * claims the id in meta and the connection it displaces is closed, on this node or another.
 */
public final class SessionRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(SessionRegistry.class);

    private record Entry(Session session, long epoch) {}

    private final String nodeId;
    private final MetaClient meta;
    private final NotifyClient notifyClient;
    private final Map<String, Entry> local = new ConcurrentHashMap<>();

    public SessionRegistry(String nodeId, MetaClient meta, NotifyClient notifyClient) {
        this.nodeId = nodeId;
        this.meta = meta;
        this.notifyClient = notifyClient;
    }

    /**
     * Claims the clientId for {@code session}; completes with the epoch, or -1 if a newer
     * connection of the same client won the race (then this one must be closed).
     */
    public CompletableFuture<Long> register(Session session) {
        return meta.claimSession(session.clientId(), nodeId).thenApply(claim -> {
            Entry mine = new Entry(session, claim.epoch());
            Entry[] displaced = new Entry[1];
            Entry winner = local.compute(session.clientId(), (id, current) -> {
                if (current != null && current.epoch() > claim.epoch()) {
                    return current;
                }
                displaced[0] = current;
                return mine;
            });
            if (winner != mine) {
                return -1L;
            }
            if (displaced[0] != null && displaced[0].session() != session) {
                closeTakenOver(displaced[0].session());
            }
            if (claim.displaced() && !claim.previousNodeId().equals(nodeId)) {
                tellOtherNode(claim, session.clientId());
            }
            return claim.epoch();
        });
    }

    private void tellOtherNode(SessionClaim claim, String clientId) {
        meta.node(claim.previousNodeId()).map(GatewayNode::notifyAddress).ifPresentOrElse(
                address -> notifyClient.sendTakeover(address, clientId, claim.epoch()).exceptionally(e -> {
                    LOG.warn("Could not tell node {} that {} was taken over: {}", claim.previousNodeId(), clientId, e.getMessage());
                    return null;
                }),
                () -> LOG.debug("Node {} that held {} is gone", claim.previousNodeId(), clientId));
    }

    /** Another node took {@code clientId} over at {@code epoch}. */
    public void onTakeover(String clientId, long epoch) {
        Entry entry = local.get(clientId);
        if (entry != null && entry.epoch() < epoch && local.remove(clientId, entry)) {
            closeTakenOver(entry.session());
        }
    }

    private static void closeTakenOver(Session old) {
        LOG.debug("Client {} connected again; closing its older connection {}", old.clientId(), old.channel().remoteAddress());
        old.channel().close();
    }

    /** The connection of {@code session} ended. */
    public void unregister(Session session) {
        Entry entry = local.get(session.clientId());
        if (entry != null && entry.session() == session && local.remove(session.clientId(), entry)) {
            meta.releaseSession(session.clientId(), nodeId, entry.epoch());
        }
    }

    public int connectedCount() {
        return local.size();
    }
}
