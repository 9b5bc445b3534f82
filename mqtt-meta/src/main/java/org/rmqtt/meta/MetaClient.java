package org.rmqtt.meta;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The port to the cluster's small consistent state: gateway membership, the filters in use on
 * each gateway, the session registry, subscriptions of persistent sessions, retained messages and
 * the wills of connections whose gateway died.
 *
 * <p>Writes return futures and never block the caller. A write that cannot reach the state in
 * time (no meta leader) completes exceptionally with {@link MetaUnavailableException}. Reads named
 * "view" come from a local copy that follows the replicated state; they are used on hot paths
 * (every publish asks which wildcard filters match) and may lag a write made on another node by a
 * moment. A write made through this client is in this client's view when its future completes.
 * Other reads return futures and see every write that completed before they were called.
 */
public interface MetaClient extends AutoCloseable {

    // ---- membership ----

    /**
     * Registers {@code node} or renews its lease. Gateways call it periodically, well within the
     * lease time, and before adding filters. A node whose lease expires is dropped with its
     * filters; a gateway that finds itself missing from {@link #node} must heartbeat and re-add its
     * filters.
     */
    CompletableFuture<Void> heartbeat(GatewayNode node);

    /** Removes a node that shuts down cleanly, with its filters. Its wills become claimable. */
    CompletableFuture<Void> leave(String nodeId);

    /** View: a live node by id. */
    Optional<GatewayNode> node(String nodeId);

    /** View: every live node. */
    Collection<GatewayNode> liveNodes();

    // ---- filters in use ----

    /**
     * Records that {@code nodeId} has at least one subscription on {@code filter}. A filter is
     * in use while any node or persistent session holds it; a wildcard filter in use gets its own
     * LMQ dispatch.
     */
    CompletableFuture<Void> addFilter(String nodeId, String filter);

    /** The opposite of {@link #addFilter}: the node's last subscription on {@code filter} went. */
    CompletableFuture<Void> removeFilter(String nodeId, String filter);

    /**
     * View: the wildcard filters in use anywhere in the cluster, by a node or by a persistent
     * session (connected or not), that match {@code topicName}.
     */
    Set<String> matchingWildcardFilters(String topicName);

    /** View: the ids of nodes holding a filter (exact or wildcard) that matches {@code topicName}. */
    Set<String> nodesMatching(String topicName);

    /** View: every filter in use anywhere in the cluster (by a node or a persistent session); for operators. */
    Set<String> filtersInUse();

    // ---- view freshness ----

    /**
     * The log index this client's views reflect: every write committed at or below it is in them.
     * Read after a write through this client completed, it is at least that write's index.
     */
    long viewIndex();

    /** Completes once this client's views reflect log index {@code index}; asks the leader at once. */
    CompletableFuture<Void> awaitViewIndex(long index);

    /**
     * Completes at once while the views were confirmed current within {@code maxAge}, or while
     * meta cannot be reached (the last attempt failed). Otherwise completes after the next attempt
     * to bring them up to date, whether it reached meta or not.
     */
    CompletableFuture<Void> freshView(java.time.Duration maxAge);

    // ---- session registry ----

    /**
     * Makes {@code nodeId} the owner of {@code clientId} with a new, higher epoch. Exactly one of
     * two racing claims gets each epoch; the result names the owner it displaced, if any, so the
     * caller can tell that node to close the old connection (and hand over its session state).
     *
     * <p>{@code clean}: the client asked for a clean session; any persistent session of the
     * client ends here, with its subscriptions and saved state (MQTT-3.1.2-6). Otherwise the
     * client's persistent session is returned (created empty if there was none; then
     * {@link SessionClaim#session()} is null) and stops expiring while owned.
     *
     * @param expiryMillis how long a persistent session outlives its last connection, 0 = for
     *                     ever; stored with the session and counted from each release
     */
    CompletableFuture<SessionClaim> claimSession(String clientId, String nodeId, boolean clean, long expiryMillis);

    /** A clean claim: {@code claimSession(clientId, nodeId, true, 0)}. */
    default CompletableFuture<SessionClaim> claimSession(String clientId, String nodeId) {
        return claimSession(clientId, nodeId, true, 0);
    }

    /**
     * Releases {@code clientId} if {@code nodeId} still owns it at {@code epoch}; a later claim
     * wins over a stale release. A persistent session starts its expiry clock. Completes with
     * whether the release took effect.
     */
    CompletableFuture<Boolean> releaseSession(String clientId, String nodeId, long epoch);

    /**
     * Saves the state of {@code clientId}'s persistent session if {@code nodeId} still owns it at
     * {@code epoch}; with {@code release}, also releases it as {@link #releaseSession} does, in
     * the same step. Completes with whether it took effect. Calls are batched: many saves and
     * claims share one log entry.
     */
    CompletableFuture<Boolean> saveSession(String clientId, String nodeId, long epoch, byte[] state, boolean release);

    /**
     * Gives {@code nodeId} back its claim on {@code clientId} at {@code epoch} after the node's
     * lease lapsed (which released its claims), if nobody claimed the client since. Completes
     * with true if the node owns it at that epoch now; false means another connection took the
     * client over meanwhile, and the node's connection must close.
     */
    CompletableFuture<Boolean> reclaimSession(String clientId, String nodeId, long epoch);

    /** The persistent session of {@code clientId}, if there is one (whether owned or not). */
    CompletableFuture<java.util.Optional<StoredSession>> session(String clientId);

    // ---- persistent sessions ----

    /**
     * At most {@code limit} persistent sessions whose client id starts with {@code prefix} (empty:
     * all), sorted by client id; for operators.
     */
    CompletableFuture<List<SessionSummary>> sessions(String prefix, int limit);

    /**
     * Adds or updates a subscription of the persistent session {@code clientId}. Its filter counts
     * as in use until it is removed or the session is dropped, whether the client is connected or
     * not, and whichever node it connects to.
     */
    CompletableFuture<Void> addSubscription(String clientId, Subscription subscription);

    /** Removes a subscription of a persistent session; a no-op if it is not there. */
    CompletableFuture<Void> removeSubscription(String clientId, String filter);

    /** The subscriptions of {@code clientId}'s persistent session, sorted by filter; empty if none. */
    CompletableFuture<List<Subscription>> subscriptions(String clientId);

    /**
     * Ends the persistent session of {@code clientId}: its subscriptions and saved state are
     * forgotten (an operator deleted it). Ownership is not touched.
     */
    CompletableFuture<Void> dropSession(String clientId);

    // ---- retained messages ----

    /** Stores the retained message of its topic, replacing the previous one; an empty payload clears it. */
    default CompletableFuture<Void> retain(RetainedMessage message) {
        return retain(message, 0).thenApply(stored -> null);
    }

    /**
     * As {@link #retain(RetainedMessage)}, but at most {@code maxTopics} topics (0 = no bound) hold
     * a retained message: completes with false, storing nothing, when the message would be the
     * retained message of one topic too many. Replacing and clearing always succeed.
     */
    CompletableFuture<Boolean> retain(RetainedMessage message, int maxTopics);

    /** The retained messages whose topic matches {@code filter}, sorted by topic. */
    CompletableFuture<List<RetainedMessage>> retained(String filter);

    // ---- wills ----

    /**
     * Stores the will of {@code will.clientId()}'s connection on {@code nodeId} at session
     * {@code epoch}, replacing a previous will of that client on that node.
     */
    CompletableFuture<Void> storeWill(String nodeId, long epoch, WillMessage will);

    /**
     * Forgets the will of a connection that ended with DISCONNECT or whose will its own node
     * published; only if it is still the will stored at {@code epoch}. Completes with whether it
     * was removed.
     */
    CompletableFuture<Boolean> clearWill(String nodeId, String clientId, long epoch);

    /**
     * Takes the wills stored by {@code deadNodeId} for publishing, if that node is no longer live
     * (its lease expired, or it left). Each will is handed out exactly once across the cluster:
     * of racing callers, one gets them and the others get an empty list. Empty while the node is
     * live. A gateway restarting under its old node id calls {@link #leave} then this with its
     * own id, before its first heartbeat, to publish the wills its previous run left behind.
     */
    CompletableFuture<List<WillMessage>> takeWills(String deadNodeId);

    // ---- operators ----

    /**
     * Each meta peer's role and the leader it knows of. May take about the call timeout per peer
     * that does not answer; completes on a thread of its own, never the caller's.
     */
    CompletableFuture<List<MetaPeerStatus>> peerStatus();

    @Override
    void close();
}
