package org.rmqtt.meta;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.rmqtt.common.topic.SubscriptionTrie;
import org.rmqtt.common.topic.Topics;

/**
 * Meta state held in this JVM only: for a single gateway, for several gateways in one test JVM,
 * and for unit tests. Nothing survives a restart.
 *
 * <p>Writes are serialized by the object's monitor; views read concurrent structures without a
 * lock. Leases and persistent session expiry are checked against the clock on each call: expired
 * nodes are dropped, with their filters and session ownerships, and expired sessions end, the
 * first time anybody looks after the expiry.
 */
public final class InMemoryMetaClient implements MetaClient {

    private record Lease(GatewayNode node, long expiresAtMillis) {}

    private record Owner(String nodeId, long epoch) {}

    private record StoredWill(long epoch, WillMessage will) {}

    /** A persistent session's record; expireAtMillis is 0 while owned or when it never expires. */
    private record SessionRecord(long expiryMillis, long expireAtMillis, byte[] state) {}

    /** Who keeps a filter in use: a node (its live subscriptions) or a persistent session. */
    private record Holder(String nodeId, String clientId) {
        static Holder node(String nodeId) {
            return new Holder(nodeId, null);
        }

        static Holder session(String clientId) {
            return new Holder(null, clientId);
        }
    }

    private final Clock clock;
    private final Duration leaseTime;
    private final Map<String, Lease> nodes = new ConcurrentHashMap<>();
    private final SubscriptionTrie<Holder> filterHolders = new SubscriptionTrie<>();
    private final Map<String, Owner> sessions = new HashMap<>();
    private final Map<String, TreeMap<String, Integer>> persistent = new HashMap<>();
    private final Map<String, SessionRecord> sessionRecords = new HashMap<>();
    private final TreeMap<String, RetainedMessage> retained = new TreeMap<>();
    private final Map<String, Map<String, StoredWill>> wills = new HashMap<>();
    private long lastEpoch;
    /** Nodes whose lease expired → when their filters go (one lease later, unless they heartbeat). */
    private final Map<String, Long> filterGrace = new HashMap<>();
    /** Counts view changes, standing in for a log index. */
    private final java.util.concurrent.atomic.AtomicLong viewIndex = new java.util.concurrent.atomic.AtomicLong();
    /** The earliest lease expiry, so views check the clock against one field only. */
    private volatile long nextExpiryMillis = Long.MAX_VALUE;
    /** The earliest persistent session expiry. */
    private volatile long nextSessionExpiryMillis = Long.MAX_VALUE;

    public InMemoryMetaClient() {
        this(Clock.systemUTC(), Duration.ofSeconds(30));
    }

    public InMemoryMetaClient(Clock clock, Duration leaseTime) {
        this.clock = clock;
        this.leaseTime = leaseTime;
    }

    private static <T> CompletableFuture<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }

    // ---- membership ----

    @Override
    public synchronized CompletableFuture<Void> heartbeat(GatewayNode node) {
        expireLeases();
        long expiresAt = clock.millis() + leaseTime.toMillis();
        nodes.put(node.id(), new Lease(node, expiresAt));
        filterGrace.remove(node.id());
        viewIndex.incrementAndGet();
        nextExpiryMillis = Math.min(nextExpiryMillis, expiresAt);
        return done(null);
    }

    @Override
    public synchronized CompletableFuture<Void> leave(String nodeId) {
        MetaValidation.id("node id", nodeId);
        removeNode(nodeId);
        dropFilters(nodeId);
        return done(null);
    }

    /** Under the monitor: the node goes and its sessions are released; its filters are the caller's. */
    private void removeNode(String nodeId) {
        nodes.remove(nodeId);
        viewIndex.incrementAndGet();
        for (Map.Entry<String, Owner> owner : List.copyOf(sessions.entrySet())) {
            if (owner.getValue().nodeId().equals(nodeId)) {
                sessions.remove(owner.getKey());
                startExpiry(owner.getKey());
            }
        }
    }

    @Override
    public Optional<GatewayNode> node(String nodeId) {
        Lease lease = nodes.get(nodeId);
        return lease != null && live(lease) ? Optional.of(lease.node()) : Optional.empty();
    }

    @Override
    public Collection<GatewayNode> liveNodes() {
        return nodes.values().stream().filter(this::live).map(Lease::node).toList();
    }

    private boolean live(Lease lease) {
        return lease.expiresAtMillis() > clock.millis();
    }

    private void expireIfDue() {
        long now = clock.millis();
        if (now >= nextExpiryMillis || now >= nextSessionExpiryMillis) {
            synchronized (this) {
                expireLeases();
                expireSessions();
            }
        }
    }

    /** Under the monitor. */
    private void expireLeases() {
        long now = clock.millis();
        if (now < nextExpiryMillis) {
            return;
        }
        long next = Long.MAX_VALUE;
        for (Lease lease : List.copyOf(nodes.values())) {
            if (lease.expiresAtMillis() <= now) {
                removeNode(lease.node().id());
                // Its filters stay in use for one more lease, as in the replicated state.
                filterGrace.put(lease.node().id(), now + leaseTime.toMillis());
            } else {
                next = Math.min(next, lease.expiresAtMillis());
            }
        }
        for (Map.Entry<String, Long> grace : List.copyOf(filterGrace.entrySet())) {
            if (grace.getValue() <= now) {
                dropFilters(grace.getKey());
            } else {
                next = Math.min(next, grace.getValue());
            }
        }
        nextExpiryMillis = next;
    }

    private void dropFilters(String nodeId) {
        filterGrace.remove(nodeId);
        viewIndex.incrementAndGet();
        Holder holder = Holder.node(nodeId);
        for (String filter : filterHolders.filters()) {
            filterHolders.remove(filter, holder);
        }
    }

    // ---- filters in use ----

    @Override
    public synchronized CompletableFuture<Void> addFilter(String nodeId, String filter) {
        MetaValidation.id("node id", nodeId);
        Topics.validateFilter(filter);
        filterHolders.add(filter, Holder.node(nodeId));
        viewIndex.incrementAndGet();
        return done(null);
    }

    @Override
    public synchronized CompletableFuture<Void> removeFilter(String nodeId, String filter) {
        MetaValidation.id("node id", nodeId);
        Topics.validateFilter(filter);
        filterHolders.remove(filter, Holder.node(nodeId));
        viewIndex.incrementAndGet();
        return done(null);
    }

    @Override
    public Set<String> matchingWildcardFilters(String topicName) {
        expireIfDue();
        Set<String> result = new HashSet<>();
        filterHolders.match(topicName, (filter, holder) -> {
            if (Topics.isWildcard(filter)) {
                result.add(filter);
            }
        });
        return result;
    }

    @Override
    public Set<String> filtersInUse() {
        expireIfDue();
        return filterHolders.filters();
    }

    @Override
    public Set<String> nodesMatching(String topicName) {
        expireIfDue();
        Set<String> result = new HashSet<>();
        filterHolders.match(topicName, (filter, holder) -> {
            if (holder.nodeId() != null) {
                result.add(holder.nodeId());
            }
        });
        return result;
    }

    // ---- view freshness: views are the state itself here ----

    @Override
    public long viewIndex() {
        return viewIndex.get();
    }

    @Override
    public CompletableFuture<Void> awaitViewIndex(long index) {
        return done(null);
    }

    @Override
    public CompletableFuture<Void> freshView(Duration maxAge) {
        return done(null);
    }

    // ---- session registry ----

    @Override
    public synchronized CompletableFuture<SessionClaim> claimSession(String clientId, String nodeId, boolean clean,
            long expiryMillis) {
        MetaValidation.id("client id", clientId);
        MetaValidation.id("node id", nodeId);
        MetaValidation.expiry(expiryMillis);
        expireLeases();
        expireSessions();
        long epoch = ++lastEpoch;
        Owner previous = sessions.put(clientId, new Owner(nodeId, epoch));
        StoredSession session = null;
        if (clean) {
            endSession(clientId);
        } else {
            SessionRecord record = sessionRecords.get(clientId);
            List<Subscription> subscriptions = subscriptionList(clientId);
            byte[] state = record == null ? new byte[0] : record.state();
            // Subscriptions without a record count as a session too, as in the replicated store.
            if (record != null || !subscriptions.isEmpty()) {
                session = new StoredSession(subscriptions, state.clone());
            }
            sessionRecords.put(clientId, new SessionRecord(expiryMillis, 0, state));
        }
        return done(previous == null
                ? new SessionClaim(epoch, null, 0, session)
                : new SessionClaim(epoch, previous.nodeId(), previous.epoch(), session));
    }

    @Override
    public synchronized CompletableFuture<Boolean> releaseSession(String clientId, String nodeId, long epoch) {
        MetaValidation.id("client id", clientId);
        MetaValidation.id("node id", nodeId);
        expireLeases();
        expireSessions();
        return done(release(clientId, nodeId, epoch));
    }

    private boolean release(String clientId, String nodeId, long epoch) {
        if (!sessions.remove(clientId, new Owner(nodeId, epoch))) {
            return false;
        }
        startExpiry(clientId);
        return true;
    }

    @Override
    public synchronized CompletableFuture<Boolean> saveSession(String clientId, String nodeId, long epoch,
            byte[] state, boolean release) {
        MetaValidation.id("client id", clientId);
        MetaValidation.id("node id", nodeId);
        MetaValidation.state(state);
        expireLeases();
        expireSessions();
        SessionRecord record = sessionRecords.get(clientId);
        if (record == null || !new Owner(nodeId, epoch).equals(sessions.get(clientId))) {
            return done(false);
        }
        sessionRecords.put(clientId, new SessionRecord(record.expiryMillis(), record.expireAtMillis(), state.clone()));
        if (release) {
            release(clientId, nodeId, epoch);
        }
        return done(true);
    }

    @Override
    public synchronized CompletableFuture<Boolean> reclaimSession(String clientId, String nodeId, long epoch) {
        MetaValidation.id("client id", clientId);
        MetaValidation.id("node id", nodeId);
        expireLeases();
        expireSessions();
        Owner mine = new Owner(nodeId, epoch);
        Owner current = sessions.putIfAbsent(clientId, mine);
        if (current != null) {
            return done(current.equals(mine));
        }
        SessionRecord record = sessionRecords.get(clientId);
        if (record != null && record.expireAtMillis() != 0) {
            sessionRecords.put(clientId, new SessionRecord(record.expiryMillis(), 0, record.state()));
        }
        return done(true);
    }

    @Override
    public synchronized CompletableFuture<Optional<StoredSession>> session(String clientId) {
        MetaValidation.id("client id", clientId);
        expireLeases();
        expireSessions();
        SessionRecord record = sessionRecords.get(clientId);
        List<Subscription> subscriptions = subscriptionList(clientId);
        if (record == null && subscriptions.isEmpty()) {
            return done(Optional.empty());
        }
        return done(Optional.of(new StoredSession(subscriptions, record == null ? new byte[0] : record.state().clone())));
    }

    /** Under the monitor: an unowned persistent session ends after its expiry, counted from now. */
    private void startExpiry(String clientId) {
        SessionRecord record = sessionRecords.get(clientId);
        if (record == null || record.expiryMillis() == 0) {
            return;
        }
        long now = clock.millis();
        long expireAt = now + record.expiryMillis() < now ? Long.MAX_VALUE : now + record.expiryMillis();
        sessionRecords.put(clientId, new SessionRecord(record.expiryMillis(), expireAt, record.state()));
        nextSessionExpiryMillis = Math.min(nextSessionExpiryMillis, expireAt);
    }

    /** Under the monitor. */
    private void expireSessions() {
        long now = clock.millis();
        if (now < nextSessionExpiryMillis) {
            return;
        }
        long next = Long.MAX_VALUE;
        for (Map.Entry<String, SessionRecord> entry : List.copyOf(sessionRecords.entrySet())) {
            long expireAt = entry.getValue().expireAtMillis();
            if (expireAt == 0 || sessions.containsKey(entry.getKey())) {
                continue;
            }
            if (expireAt <= now) {
                endSession(entry.getKey());
            } else {
                next = Math.min(next, expireAt);
            }
        }
        nextSessionExpiryMillis = next;
    }

    /** Under the monitor: forgets the subscriptions (releasing their filters), state and expiry. */
    private void endSession(String clientId) {
        sessionRecords.remove(clientId);
        TreeMap<String, Integer> subscriptions = persistent.remove(clientId);
        if (subscriptions != null) {
            Holder holder = Holder.session(clientId);
            subscriptions.keySet().forEach(filter -> filterHolders.remove(filter, holder));
        }
    }

    private List<Subscription> subscriptionList(String clientId) {
        TreeMap<String, Integer> subscriptions = persistent.getOrDefault(clientId, new TreeMap<>());
        List<Subscription> result = new ArrayList<>(subscriptions.size());
        subscriptions.forEach((filter, qos) -> result.add(new Subscription(filter, qos)));
        return result;
    }

    // ---- persistent sessions ----

    @Override
    public synchronized CompletableFuture<Void> addSubscription(String clientId, Subscription subscription) {
        MetaValidation.id("client id", clientId);
        persistent.computeIfAbsent(clientId, c -> new TreeMap<>()).put(subscription.filter(), subscription.qos());
        filterHolders.add(subscription.filter(), Holder.session(clientId));
        return done(null);
    }

    @Override
    public synchronized CompletableFuture<Void> removeSubscription(String clientId, String filter) {
        MetaValidation.id("client id", clientId);
        Topics.validateFilter(filter);
        TreeMap<String, Integer> subscriptions = persistent.get(clientId);
        if (subscriptions != null && subscriptions.remove(filter) != null) {
            filterHolders.remove(filter, Holder.session(clientId));
            if (subscriptions.isEmpty()) {
                persistent.remove(clientId);
            }
        }
        return done(null);
    }

    @Override
    public synchronized CompletableFuture<List<Subscription>> subscriptions(String clientId) {
        MetaValidation.id("client id", clientId);
        expireSessions();
        return done(subscriptionList(clientId));
    }

    @Override
    public synchronized CompletableFuture<List<SessionSummary>> sessions(String prefix, int limit) {
        expireLeases();
        expireSessions();
        java.util.TreeSet<String> ids = new java.util.TreeSet<>(sessionRecords.keySet());
        ids.addAll(persistent.keySet());
        List<SessionSummary> result = new java.util.ArrayList<>();
        for (String id : ids.tailSet(prefix)) {
            if (!id.startsWith(prefix) || result.size() >= limit) {
                break;
            }
            SessionRecord record = sessionRecords.get(id);
            Owner owner = sessions.get(id);
            result.add(new SessionSummary(id, owner == null ? null : owner.nodeId(), subscriptionList(id),
                    record == null ? 0 : record.expiryMillis(), record == null ? 0 : record.expireAtMillis()));
        }
        return done(result);
    }

    /** One peer, this process, always the leader. */
    @Override
    public CompletableFuture<List<MetaPeerStatus>> peerStatus() {
        return done(List.of(new MetaPeerStatus("in-memory", "local", "LEADER", "in-memory", null)));
    }

    @Override
    public synchronized CompletableFuture<Void> dropSession(String clientId) {
        MetaValidation.id("client id", clientId);
        endSession(clientId);
        return done(null);
    }

    // ---- retained messages ----

    @Override
    public synchronized CompletableFuture<Boolean> retain(RetainedMessage message, int maxTopics) {
        if (maxTopics < 0) {
            throw new IllegalArgumentException("maxTopics must not be negative, not " + maxTopics);
        }
        if (message.clears()) {
            retained.remove(message.topic());
        } else if (maxTopics > 0 && !retained.containsKey(message.topic()) && retained.size() >= maxTopics) {
            return done(false);
        } else {
            retained.put(message.topic(), message);
        }
        return done(true);
    }

    @Override
    public synchronized CompletableFuture<List<RetainedMessage>> retained(String filter) {
        Topics.validateFilter(filter);
        if (!Topics.isWildcard(filter)) {
            RetainedMessage message = retained.get(filter);
            return done(message == null ? List.of() : List.of(message));
        }
        return done(retained.values().stream().filter(m -> Topics.matches(filter, m.topic())).toList());
    }

    // ---- wills ----

    @Override
    public synchronized CompletableFuture<Void> storeWill(String nodeId, long epoch, WillMessage will) {
        MetaValidation.id("node id", nodeId);
        MetaValidation.epoch(epoch);
        wills.computeIfAbsent(nodeId, n -> new TreeMap<>()).put(will.clientId(), new StoredWill(epoch, will));
        return done(null);
    }

    @Override
    public synchronized CompletableFuture<Boolean> clearWill(String nodeId, String clientId, long epoch) {
        MetaValidation.id("node id", nodeId);
        MetaValidation.id("client id", clientId);
        Map<String, StoredWill> ofNode = wills.get(nodeId);
        StoredWill stored = ofNode == null ? null : ofNode.get(clientId);
        if (stored == null || stored.epoch() != epoch) {
            return done(false);
        }
        ofNode.remove(clientId);
        if (ofNode.isEmpty()) {
            wills.remove(nodeId);
        }
        return done(true);
    }

    @Override
    public synchronized CompletableFuture<List<WillMessage>> takeWills(String deadNodeId) {
        MetaValidation.id("node id", deadNodeId);
        expireLeases();
        if (nodes.containsKey(deadNodeId)) {
            return done(List.of());
        }
        Map<String, StoredWill> ofNode = wills.remove(deadNodeId);
        return done(ofNode == null ? List.of() : ofNode.values().stream().map(StoredWill::will).toList());
    }

    @Override
    public void close() {
    }
}
