package org.rmqtt.gateway.will;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.rmqtt.gateway.publish.PublishService;
import org.rmqtt.gateway.session.Session;
import org.rmqtt.meta.GatewayNode;
import org.rmqtt.meta.MetaClient;
import org.rmqtt.meta.WillMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The wills of this node's connections (MQTT-3.1.2-8..-17). A will is written to meta before
 * CONNACK and kept here from then on; when the connection ends without DISCONNECT (keep-alive timeout, network loss,
 * protocol violation, takeover, server-side close) this node publishes it and then clears it in
 * meta; after DISCONNECT it is only cleared. If this node dies, the copy in meta is what a
 * surviving node publishes once the node's lease has expired ({@link #collectOrphans}); a node
 * restarting under its old id publishes what its last run left ({@link #publishLeftBehind}).
 * Meta hands each node's wills out once, so a will is published by its node or by one other.
 */
public final class Wills {
    private static final Logger LOG = LoggerFactory.getLogger(Wills.class);

    private final String nodeId;
    private final MetaClient meta;
    private final PublishService publisher;
    /** Tells apart the wills of successive connections of one client on this node (meta's epoch). */
    private final AtomicLong epochs = new AtomicLong(System.currentTimeMillis());
    private final Map<Session, Stored> wills = new ConcurrentHashMap<>();
    private final Set<CompletableFuture<?>> pending = ConcurrentHashMap.newKeySet();
    /** Other nodes seen live; one that disappears leaves its wills to be taken. */
    private final Set<String> watched = ConcurrentHashMap.newKeySet();

    private record Stored(WillMessage will, long epoch, CompletableFuture<Void> written) {}

    public Wills(String nodeId, MetaClient meta, PublishService publisher) {
        this.nodeId = nodeId;
        this.meta = meta;
        this.publisher = publisher;
    }

    /**
     * Writes {@code will} to meta for the case that this node dies; CONNACK waits for it, so an
     * accepted connection's will is on the server (MQTT-3.1.2-8). Completes with the epoch under
     * which it is stored.
     */
    public CompletableFuture<Long> store(WillMessage will) {
        long epoch = epochs.incrementAndGet();
        return track(meta.storeWill(nodeId, epoch, will)).thenApply(v -> epoch);
    }

    /** The connection whose will {@link #store} wrote was refused after all: the will goes. */
    public void discard(WillMessage will, CompletableFuture<Long> stored) {
        stored.thenAccept(epoch -> track(meta.clearWill(nodeId, will.clientId(), epoch)).exceptionally(e -> {
            LOG.debug("Could not clear the will of refused connection {}: {}", will.clientId(), e.getMessage());
            return false;
        }));
    }

    /** The connection of {@code session} was accepted with {@code will}, stored at {@code epoch}. */
    public void accepted(Session session, WillMessage will, long epoch) {
        wills.put(session, new Stored(will, epoch, CompletableFuture.completedFuture(null)));
    }

    /**
     * This node's lease had lapsed: another node may have taken (and published) the wills in meta
     * meanwhile. Each connected client's will is written again, so that it is there if this node
     * dies now.
     */
    public void storeAgain() {
        for (Map.Entry<Session, Stored> e : wills.entrySet()) {
            Stored s = e.getValue();
            CompletableFuture<Void> written = track(meta.storeWill(nodeId, s.epoch(), s.will())).exceptionally(error -> {
                LOG.warn("Could not store the will of {} in meta again ({}); it is published if the connection drops, "
                        + "but not if this gateway dies", s.will().clientId(), error.getMessage());
                return null;
            });
            wills.replace(e.getKey(), s, new Stored(s.will(), s.epoch(), written));
        }
    }

    /**
     * The connection of {@code session} ended. {@code graceful}: the client sent DISCONNECT, and
     * the will is discarded (MQTT-3.1.2-10); otherwise it is published (MQTT-3.1.2-8).
     */
    public void ended(Session session, boolean graceful) {
        Stored stored = wills.remove(session);
        if (stored == null) {
            return;
        }
        WillMessage will = stored.will();
        CompletableFuture<Void> published;
        if (graceful) {
            published = CompletableFuture.completedFuture(null);
        } else {
            LOG.debug("Publishing the will of {} on {}", will.clientId(), will.topic());
            published = publisher.publishWill(will).exceptionally(e -> {
                LOG.warn("Could not publish the will of {} on {}: {}", will.clientId(), will.topic(), e.getMessage());
                return null;
            });
        }
        // Cleared after the write that stored it, which it would otherwise overtake.
        track(published.thenCompose(v -> stored.written())
                .thenCompose(v -> meta.clearWill(nodeId, will.clientId(), stored.epoch()))
                .exceptionally(e -> {
                    LOG.debug("Could not clear the will of {} in meta: {}", will.clientId(), e.getMessage());
                    return false;
                }));
    }

    /**
     * At start-up, before this node's first heartbeat and after it left meta: publishes the wills
     * that an earlier run under the same node id left behind (it died with connections open).
     */
    public CompletableFuture<Void> publishLeftBehind() {
        return takeAndPublish(nodeId);
    }

    /**
     * Called periodically: the wills of a node that was live and is no longer (its lease expired
     * or it left) are taken from meta, by exactly one node of the cluster, and published.
     */
    public void collectOrphans() {
        Set<String> live = new HashSet<>();
        for (GatewayNode node : meta.liveNodes()) {
            live.add(node.id());
        }
        for (String id : Set.copyOf(watched)) {
            if (!live.contains(id) && watched.remove(id)) {
                takeAndPublish(id).exceptionally(e -> {
                    watched.add(id); // meta unreachable: try again next time
                    return null;
                });
            }
        }
        live.remove(nodeId);
        watched.addAll(live);
    }

    private CompletableFuture<Void> takeAndPublish(String deadNodeId) {
        CompletableFuture<List<WillMessage>> taken = track(meta.takeWills(deadNodeId));
        return taken.thenCompose(list -> {
            if (!list.isEmpty()) {
                LOG.info("Publishing {} will(s) of connections of gateway {}, which is gone", list.size(), deadNodeId);
            }
            CompletableFuture<?>[] all = list.stream().map(will -> track(publisher.publishWill(will).exceptionally(e -> {
                // Meta handed it out once: nobody else will publish it.
                LOG.warn("Could not publish the will of {} on {} (left by gateway {}); it is lost: {}",
                        will.clientId(), will.topic(), deadNodeId, e.getMessage());
                return null;
            }))).toArray(CompletableFuture[]::new);
            return CompletableFuture.allOf(all);
        });
    }

    private <T> CompletableFuture<T> track(CompletableFuture<T> f) {
        pending.add(f);
        f.whenComplete((v, e) -> pending.remove(f));
        return f;
    }

    /** At shutdown, off any event loop: waits for wills being published and cleared. */
    public void awaitPending(Duration timeout) {
        try {
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("Not every will was published or cleared before shutdown: {}", e.toString());
        }
    }
}
