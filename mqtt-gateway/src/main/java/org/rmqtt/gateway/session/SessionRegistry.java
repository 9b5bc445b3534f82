package org.rmqtt.gateway.session;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.rmqtt.common.health.Counters;
import org.rmqtt.meta.GatewayNode;
import org.rmqtt.meta.MetaClient;
import org.rmqtt.meta.SessionClaim;
import org.rmqtt.meta.Subscription;
import org.rmqtt.store.notify.NotifyClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which clients are connected here, and their cluster-wide claims in meta.
 *
 * <p>A clean session is accepted at once: the newest local connection of a clientId wins
 * locally, and the claim in meta (batched with others, never waited for) closes an older
 * connection on another node afterwards; the higher epoch always wins. A persistent session
 * waits for its claim, which returns what meta kept; if another connection still held it, that
 * connection is closed and hands its state over (by RPC from another node), fresher than the
 * last checkpoint. When a persistent session's connection ends, its final state is saved and the
 * claim released in one meta write; until meta confirmed it, a takeover that raced the save gets
 * the state from here. See docs/architecture.md, "Sessions".
 */
public final class SessionRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(SessionRegistry.class);
    private final Counters counters;
    private static final long HANDOVER_TIMEOUT_MS = 3_000;
    private static final int TAKEOVER_TRIES = 3;

    /** How a CONNECT's session starts. */
    public record Opened(boolean sessionPresent, List<Subscription> subscriptions, SessionState state) {
        /** A newer connection of the same client won while this one was being set up. */
        public static final Opened SUPERSEDED = new Opened(false, List.of(), SessionState.EMPTY);
        static final Opened CLEAN = new Opened(false, List.of(), SessionState.EMPTY);
    }

    private record Saved(long epoch, byte[] state) {}

    private final String nodeId;
    private final MetaClient meta;
    private final NotifyClient notifyClient;
    private final long expiryMillis;
    private final Map<String, Session> local = new ConcurrentHashMap<>();
    /** Final states of persistent sessions that ended here, by clientId, for a minute (see {@link #closedState}). */
    private final Cache<String, Saved> unconfirmed = CacheBuilder.newBuilder().expireAfterWrite(1, TimeUnit.MINUTES).build();
    private final Set<CompletableFuture<?>> writes = ConcurrentHashMap.newKeySet();
    /** Persistent sessions whose state changed since their last checkpoint. */
    private final Set<Session> changed = ConcurrentHashMap.newKeySet();
    /**
     * Takeovers that arrived before the connection they end had its own claim back (clientId →
     * the newer epoch). Read and written only inside {@code local.compute} of the clientId, so a
     * takeover and a claim coming back cannot miss each other.
     */
    private final Map<String, Long> takenOverEarly =
            CacheBuilder.newBuilder().expireAfterWrite(1, TimeUnit.MINUTES).<String, Long>build().asMap();

    /**
     * @param expiry how long a persistent session outlives its last connection; zero for ever
     */
    public SessionRegistry(String nodeId, MetaClient meta, NotifyClient notifyClient, Duration expiry) {
        this(nodeId, meta, notifyClient, expiry, new Counters());
    }

    public SessionRegistry(String nodeId, MetaClient meta, NotifyClient notifyClient, Duration expiry, Counters counters) {
        this.counters = counters;
        this.nodeId = nodeId;
        this.meta = meta;
        this.notifyClient = notifyClient;
        this.expiryMillis = expiry.toMillis();
    }

    /** Registers a new connection's session. Never blocks; fails if meta cannot be reached (persistent only). */
    public CompletableFuture<Opened> open(Session session) {
        return session.persistent() ? openPersistent(session) : openClean(session);
    }

    private CompletableFuture<Opened> openClean(Session session) {
        Session older = local.put(session.clientId(), session);
        if (older != null && older != session) {
            closeTakenOver(older);
        }
        claimClean(session, 0);
        return CompletableFuture.completedFuture(Opened.CLEAN);
    }

    private void claimClean(Session session, int attempt) {
        String clientId = session.clientId();
        meta.claimSession(clientId, nodeId, true, 0).whenComplete((claim, error) -> {
            if (error != null) {
                if (local.get(clientId) == session && session.channel().isActive()) {
                    // The connection works without the claim; it only cannot be taken over from other nodes yet.
                    long delay = Math.min(30_000, 1_000L << Math.min(attempt, 5));
                    LOG.debug("Claim of {} failed, trying again in {} ms: {}", clientId, delay, error.getMessage());
                    session.channel().eventLoop().schedule(() -> claimClean(session, attempt + 1), delay, TimeUnit.MILLISECONDS);
                }
                return;
            }
            session.epoch(claim.epoch());
            if (claim.displaced() && !claim.previousNodeId().equals(nodeId)) {
                takeOverRemote(claim.previousNodeId(), clientId, claim.epoch(), TAKEOVER_TRIES);
            }
            boolean[] superseded = new boolean[1];
            local.computeIfPresent(clientId, (id, current) -> {
                superseded[0] = current == session && supersededEarly(clientId, claim.epoch());
                return superseded[0] ? null : current;
            });
            if (superseded[0]) {
                closeTakenOver(session);
            }
            if (local.get(clientId) != session) {
                release(session); // ended, replaced or taken over while the claim was under way
            }
        });
    }

    private CompletableFuture<Opened> openPersistent(Session session) {
        String clientId = session.clientId();
        return meta.claimSession(clientId, nodeId, false, expiryMillis).thenCompose(claim -> {
            session.epoch(claim.epoch());
            Session[] displaced = new Session[1];
            Session winner = local.compute(clientId, (id, current) -> {
                if (current != null && current.epoch() > claim.epoch() || supersededEarly(clientId, claim.epoch())) {
                    return current;
                }
                displaced[0] = current;
                return session;
            });
            if (winner != session || !session.channel().isActive()) {
                local.remove(clientId, session);
                release(session);
                return CompletableFuture.completedFuture(Opened.SUPERSEDED);
            }
            CompletableFuture<byte[]> handed;
            if (!claim.displaced()) {
                handed = CompletableFuture.completedFuture(null);
            } else if (claim.previousNodeId().equals(nodeId)) {
                handed = displaced[0] != null && displaced[0] != session
                        ? captureAndClose(displaced[0]) : CompletableFuture.completedFuture(closedState(clientId, claim.previousEpoch()));
            } else {
                handed = takeOverRemote(claim.previousNodeId(), clientId, claim.epoch(), 1);
            }
            return handed.thenApply(state -> opened(clientId, claim, state));
        });
    }

    private Opened opened(String clientId, SessionClaim claim, byte[] handedState) {
        byte[] bytes = handedState != null && handedState.length > 0 ? handedState
                : claim.session() != null ? claim.session().state() : new byte[0];
        SessionState state;
        try {
            state = SessionState.decode(bytes);
        } catch (IllegalArgumentException e) {
            LOG.warn("Session state of {} is unreadable ({}); its subscriptions resume from the newest messages",
                    clientId, e.getMessage());
            state = SessionState.EMPTY;
        }
        return new Opened(claim.sessionPresent(), claim.session() == null ? List.of() : claim.session().subscriptions(), state);
    }

    /**
     * Tells the node that held {@code clientId} to close it; completes with the state it hands
     * over, or null if it cannot be reached (then the last saved state is used).
     */
    private CompletableFuture<byte[]> takeOverRemote(String previousNode, String clientId, long epoch, int tries) {
        GatewayNode node = meta.node(previousNode).orElse(null);
        if (node == null) {
            LOG.debug("Node {} that held {} is gone", previousNode, clientId);
            return CompletableFuture.completedFuture(null);
        }
        return notifyClient.sendTakeover(node.notifyAddress(), clientId, epoch)
                .orTimeout(HANDOVER_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .handle((state, error) -> {
                    if (error == null) {
                        return CompletableFuture.completedFuture(state);
                    }
                    if (tries > 1) {
                        return takeOverRemote(previousNode, clientId, epoch, tries - 1);
                    }
                    LOG.warn("Could not tell node {} that {} was taken over: {}", previousNode, clientId, error.getMessage());
                    return CompletableFuture.<byte[]>completedFuture(null);
                }).thenCompose(f -> f);
    }

    /**
     * Another node took {@code clientId} over at {@code epoch}: an older connection here closes
     * and its session state goes to the new owner.
     */
    public CompletableFuture<byte[]> handOver(String clientId, long epoch) {
        Session[] ended = new Session[1];
        local.compute(clientId, (id, current) -> {
            if (current != null && current.epoch() >= 0) {
                if (current.epoch() >= epoch) {
                    // A newer connection here: the takeover is stale (two takeovers crossed, or a
                    // retried RPC came late). Counted; the newer claim already told its loser.
                    counters.increment(Counters.Name.STALE_TAKEOVERS);
                    LOG.debug("Ignored a takeover of {} at epoch {}: the connection here has epoch {}", id, epoch, current.epoch());
                    return current;
                }
                ended[0] = current;
                return null;
            }
            // No connection here, or one whose claim is still under way: a claim that comes
            // back below this epoch has lost.
            takenOverEarly.merge(clientId, epoch, Math::max);
            return current;
        });
        return ended[0] != null ? captureAndClose(ended[0])
                : CompletableFuture.completedFuture(unconfirmedState(clientId, epoch));
    }

    /** Inside {@code local.compute(clientId)}: whether a takeover above {@code epoch} came first. */
    private boolean supersededEarly(String clientId, long epoch) {
        Long newer = takenOverEarly.get(clientId);
        if (newer == null) {
            return false;
        }
        if (newer <= epoch) {
            takenOverEarly.remove(clientId, newer);
            return false;
        }
        return true;
    }

    /**
     * The state the session of {@code epoch} captured as its connection ended here. A reconnect can
     * claim the session before that save reached meta: its claim then carries an older state.
     */
    private byte[] closedState(String clientId, long epoch) {
        Saved saved = unconfirmed.getIfPresent(clientId);
        return saved != null && saved.epoch() == epoch ? saved.state() : new byte[0];
    }

    private byte[] unconfirmedState(String clientId, long newEpoch) {
        Saved saved = unconfirmed.getIfPresent(clientId);
        return saved != null && saved.epoch() < newEpoch ? saved.state() : new byte[0];
    }

    /** Closes {@code old}'s connection on its loop and completes with its state. */
    private CompletableFuture<byte[]> captureAndClose(Session old) {
        CompletableFuture<byte[]> state = new CompletableFuture<>();
        old.execute(() -> {
            try {
                if (old.closed()) {
                    state.complete(closedState(old.clientId(), old.epoch()));
                    return;
                }
                byte[] bytes = old.persistent() && old.resumed() ? old.capture(true).encode() : new byte[0];
                old.markHandedOver();
                old.close();
                state.complete(bytes);
            } catch (RuntimeException e) {
                LOG.warn("Handing over the session of {} failed; the new connection resumes from the last saved state",
                        old.clientId(), e);
                state.complete(null);
            } finally {
                closeTakenOver(old);
            }
        });
        return state;
    }

    private static void closeTakenOver(Session old) {
        LOG.debug("Client {} connected again; closing its older connection {}", old.clientId(), old.channel().remoteAddress());
        old.channel().close();
    }

    /**
     * After this node's meta lease lapsed, meta released its claims: takes back each one nobody
     * claimed since, and closes the connections another one took over meanwhile.
     */
    public void reclaimAll() {
        for (Session session : local.values()) {
            long epoch = session.epoch();
            if (epoch < 0) {
                continue; // its claim is still under way
            }
            meta.reclaimSession(session.clientId(), nodeId, epoch).whenComplete((owned, error) -> {
                if (error != null) {
                    LOG.debug("Reclaim of {} failed: {}", session.clientId(), error.getMessage());
                } else if (!owned && local.remove(session.clientId(), session)) {
                    LOG.debug("Client {} was taken over while this node had no meta lease", session.clientId());
                    closeTakenOver(session);
                }
            });
        }
    }

    /** The connection of {@code session} ended; on the session's loop. */
    public void closed(Session session) {
        String clientId = session.clientId();
        if (session.handedOver()) {
            local.remove(clientId, session);
            return;
        }
        byte[] state = session.persistent() && session.resumed() && !session.closed() ? session.capture(true).encode() : null;
        session.close();
        Saved saved = state != null && session.epoch() >= 0 ? new Saved(session.epoch(), state) : null;
        if (saved != null) {
            // Before the session leaves `local`: a reconnect that no longer finds it finds this.
            unconfirmed.put(clientId, saved);
        }
        local.remove(clientId, session);
        if (session.epoch() < 0) {
            return; // the claim under way releases it when it comes back
        }
        if (state == null) {
            release(session);
            return;
        }
        track(meta.saveSession(clientId, nodeId, session.epoch(), state, true)).whenComplete((ok, error) -> {
            if (error != null) {
                LOG.warn("Could not save the session of {} as it disconnected ({}); it resumes from its last checkpoint",
                        clientId, error.getMessage());
            }
            // Kept (until it expires) even once saved: a claim made while the save was under
            // way read the older state from meta, and takes this one by the epoch it displaced.
        });
    }

    private void release(Session session) {
        track(meta.releaseSession(session.clientId(), nodeId, session.epoch())).exceptionally(e -> {
            LOG.debug("Release of {} failed: {}", session.clientId(), e.getMessage());
            return null;
        });
    }

    /** A persistent session's state changed since it was last saved. */
    void changed(Session session) {
        changed.add(session);
    }

    /** Saves {@code state} of a connected persistent session now; completes with whether meta took it. */
    CompletableFuture<Boolean> save(Session session, SessionState state) {
        return track(meta.saveSession(session.clientId(), nodeId, session.epoch(), state.encode(), false));
    }

    /** Saves the changed state of each connected persistent session, so a crash loses little. */
    public void checkpoint() {
        for (Iterator<Session> it = changed.iterator(); it.hasNext(); ) {
            Session session = it.next();
            it.remove();
            session.execute(() -> {
                if (session.closed()) {
                    return;
                }
                if (!session.resumed() || session.epoch() < 0) {
                    changed.add(session); // not started yet: next time
                    return;
                }
                if (!session.takeDirty()) {
                    return;
                }
                save(session, session.capture(false)).whenComplete((ok, error) -> {
                    if (error != null) {
                        LOG.debug("Checkpoint of {} failed: {}", session.clientId(), error.getMessage());
                        session.execute(session::markDirty);
                    }
                });
            });
        }
    }

    private <T> CompletableFuture<T> track(CompletableFuture<T> write) {
        writes.add(write);
        write.whenComplete((v, e) -> writes.remove(write));
        return write;
    }

    /** Waits (at shutdown, off any event loop) until the meta writes of ended sessions completed. */
    public void awaitWrites(Duration timeout) {
        try {
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("Not every session was saved before shutdown: {}", e.toString());
        }
    }

    public int connectedCount() {
        return local.size();
    }

    /**
     * For metrics: the sessions held here with a persistent session ({@code persistent}) or a clean
     * one, and sums over them. Counts are read off each session's loop, so they may be a moment old.
     */
    public long connectedCount(boolean persistent) {
        return local.values().stream().filter(s -> s.persistent() == persistent).count();
    }

    public long inflightTotal() {
        return local.values().stream().mapToLong(Session::inflightCount).sum();
    }

    public long subscriptionTotal() {
        return local.values().stream().mapToLong(Session::subscriptionCount).sum();
    }

    /** The sessions connected here whose claim meta granted, as a snapshot; for operators. */
    public java.util.List<Session> connected() {
        return local.values().stream().filter(s -> s.epoch() >= 0).toList();
    }

    /**
     * An operator ends {@code clientId}'s connection here, as a network failure would (its will
     * is published). Completes with whether it was connected here, once its channel is closed.
     */
    public CompletableFuture<Boolean> kick(String clientId) {
        Session session = local.get(clientId);
        if (session == null || session.epoch() < 0) {
            return CompletableFuture.completedFuture(false);
        }
        LOG.info("Closing the connection of {} from {} at an operator's request", clientId, session.channel().remoteAddress());
        CompletableFuture<Boolean> closed = new CompletableFuture<>();
        session.channel().close().addListener(f -> closed.complete(true));
        return closed;
    }
}
