package org.rmqtt.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.rmqtt.common.topic.InvalidTopicException;

/**
 * What every {@link MetaClient} must do, run against each implementation. Views are read right
 * after the writer's own write completed: a client sees its own writes in its view.
 */
public abstract class MetaClientContractTest {

    private static final GatewayNode A = new GatewayNode("gwA", "10.0.0.1:9000", "10.0.0.1:1883");
    private static final GatewayNode B = new GatewayNode("gwB", "10.0.0.2:9000", "10.0.0.2:1883");
    private static final Duration LONG_LEASE = Duration.ofMinutes(10);

    private final List<MetaClient> clients = new ArrayList<>();

    /** A fresh, empty meta state with a client whose heartbeats grant {@code leaseTime}. */
    protected abstract MetaClient newClient(Duration leaseTime) throws Exception;

    /** Lets the leases of {@code client} granted so far run out and waits until the state dropped {@code nodeId}. */
    protected abstract void expireLeases(MetaClient client, Duration leaseTime, String nodeId) throws Exception;

    /** Waits until no filter matching {@code topic} is in use any more (the grace after an expiry ran out). */
    protected abstract void awaitFiltersGone(MetaClient client, String topic) throws Exception;

    /** The lease to use for a test that lets leases expire. */
    protected abstract Duration shortLease();

    private MetaClient client(Duration leaseTime) throws Exception {
        MetaClient client = newClient(leaseTime);
        clients.add(client);
        return client;
    }

    private MetaClient client() throws Exception {
        return client(LONG_LEASE);
    }

    @AfterEach
    void closeClients() {
        clients.forEach(MetaClient::close);
        clients.clear();
    }

    private static <T> T await(CompletableFuture<T> future) throws Exception {
        return future.get(30, TimeUnit.SECONDS);
    }

    // ---- membership ----

    @Test
    void heartbeatRegistersANodeAndLeaveRemovesItWithItsFilters() throws Exception {
        MetaClient meta = client();
        await(meta.heartbeat(A));
        await(meta.heartbeat(B));
        await(meta.addFilter(A.id(), "a/+"));
        assertThat(meta.liveNodes()).containsExactlyInAnyOrder(A, B);
        assertThat(meta.node(A.id())).contains(A);

        await(meta.leave(A.id()));
        assertThat(meta.node(A.id())).isEmpty();
        assertThat(meta.liveNodes()).containsExactly(B);
        assertThat(meta.matchingWildcardFilters("a/x")).isEmpty();
        assertThat(meta.nodesMatching("a/x")).isEmpty();
    }

    @Test
    void aHeartbeatWithNewAddressesUpdatesTheNode() throws Exception {
        MetaClient meta = client();
        await(meta.heartbeat(A));
        GatewayNode moved = new GatewayNode(A.id(), "10.0.0.9:9000", "10.0.0.9:1883");
        await(meta.heartbeat(moved));
        assertThat(meta.node(A.id())).contains(moved);
        assertThat(meta.liveNodes()).containsExactly(moved);
    }

    @Test
    void anExpiredLeaseDropsTheNodeAtOnceAndItsFiltersOneLeaseLater() throws Exception {
        Duration lease = shortLease();
        MetaClient meta = client(lease);
        await(meta.heartbeat(A));
        await(meta.addFilter(A.id(), "node/+"));
        await(meta.addFilter(A.id(), "both/+"));
        await(meta.addSubscription("sleeper", new Subscription("both/+", 1)));
        WillMessage will = new WillMessage("c1", "status/c1", "offline".getBytes(), 1, false);
        await(meta.storeWill(A.id(), 1, will));

        expireLeases(meta, lease, A.id());

        assertThat(meta.node(A.id())).isEmpty();
        // A paused node that comes back within the grace has lost no dispatch to its filters' LMQs.
        assertThat(meta.matchingWildcardFilters("node/1")).containsExactly("node/+");
        assertThat(await(meta.takeWills(A.id()))).containsExactly(will);

        expireLeases(meta, lease, A.id());
        awaitFiltersGone(meta, "node/1");
        assertThat(meta.matchingWildcardFilters("node/1")).isEmpty();
        assertThat(meta.matchingWildcardFilters("both/1")).containsExactly("both/+");
        assertThat(meta.nodesMatching("both/1")).isEmpty();
    }

    @Test
    void aNodeBackWithinTheGraceKeepsItsFilters() throws Exception {
        Duration lease = shortLease();
        MetaClient meta = client(lease);
        await(meta.heartbeat(A));
        await(meta.addFilter(A.id(), "back/+"));
        expireLeases(meta, lease, A.id());
        await(meta.heartbeat(A));
        assertThat(meta.node(A.id())).isPresent();
        assertThat(meta.matchingWildcardFilters("back/1")).containsExactly("back/+");
        assertThat(meta.nodesMatching("back/1")).containsExactly(A.id());
    }

    // ---- filters in use ----

    @Test
    void wildcardFiltersAreReferenceCountedAcrossNodes() throws Exception {
        MetaClient meta = client();
        await(meta.addFilter(A.id(), "a/+/c"));
        await(meta.addFilter(B.id(), "a/+/c"));
        await(meta.addFilter(A.id(), "a/+/c"));
        await(meta.addFilter(A.id(), "a/b/c"));
        assertThat(meta.matchingWildcardFilters("a/b/c")).containsExactly("a/+/c");
        assertThat(meta.nodesMatching("a/b/c")).containsExactlyInAnyOrder(A.id(), B.id());

        await(meta.removeFilter(A.id(), "a/+/c"));
        assertThat(meta.matchingWildcardFilters("a/b/c")).containsExactly("a/+/c");
        assertThat(meta.nodesMatching("a/x/c")).containsExactly(B.id());

        await(meta.removeFilter(B.id(), "a/+/c"));
        assertThat(meta.matchingWildcardFilters("a/b/c")).isEmpty();
        assertThat(meta.nodesMatching("a/b/c")).containsExactly(A.id());

        await(meta.removeFilter(B.id(), "never/added"));
        assertThat(meta.nodesMatching("never/added")).isEmpty();
    }

    @Test
    void matchingFollowsTheMqttRules() throws Exception {
        MetaClient meta = client();
        await(meta.addFilter(A.id(), "#"));
        await(meta.addFilter(B.id(), "sport/#"));
        await(meta.addFilter(B.id(), "$SYS/+"));
        assertThat(meta.matchingWildcardFilters("sport")).containsExactlyInAnyOrder("#", "sport/#");
        assertThat(meta.matchingWildcardFilters("$SYS/uptime")).containsExactly("$SYS/+");
        assertThat(meta.nodesMatching("$SYS/uptime")).containsExactly(B.id());
        assertThat(meta.nodesMatching("weather")).containsExactly(A.id());
    }

    @Test
    void invalidInputIsRejected() throws Exception {
        MetaClient meta = client();
        assertThatThrownBy(() -> meta.addFilter(A.id(), "a/#/b")).isInstanceOf(InvalidTopicException.class);
        assertThatThrownBy(() -> meta.addFilter("", "a")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> meta.claimSession("bad\u0000id", A.id())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> meta.retained("a/#/b")).isInstanceOf(InvalidTopicException.class);
        assertThatThrownBy(() -> new Subscription("a", 3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RetainedMessage("a/+", new byte[1], 0)).isInstanceOf(InvalidTopicException.class);
        assertThatThrownBy(() -> new RetainedMessage("a", new byte[MetaValidation.MAX_PAYLOAD_BYTES + 1], 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // ---- session registry ----

    @Test
    void claimsGetIncreasingEpochsAndNameTheDisplacedOwner() throws Exception {
        MetaClient meta = client();
        SessionClaim first = await(meta.claimSession("c1", A.id()));
        assertThat(first.displaced()).isFalse();
        assertThat(first.previousEpoch()).isZero();

        SessionClaim second = await(meta.claimSession("c1", B.id()));
        assertThat(second.epoch()).isGreaterThan(first.epoch());
        assertThat(second.previousNodeId()).isEqualTo(A.id());
        assertThat(second.previousEpoch()).isEqualTo(first.epoch());

        SessionClaim other = await(meta.claimSession("c2", A.id()));
        assertThat(other.epoch()).isGreaterThan(second.epoch());
        assertThat(other.displaced()).isFalse();
    }

    @Test
    void onlyTheCurrentOwnerAtItsEpochCanRelease() throws Exception {
        MetaClient meta = client();
        SessionClaim old = await(meta.claimSession("c1", A.id()));
        SessionClaim current = await(meta.claimSession("c1", B.id()));
        assertThat(await(meta.releaseSession("c1", A.id(), old.epoch()))).isFalse();
        assertThat(await(meta.releaseSession("c1", B.id(), old.epoch()))).isFalse();
        assertThat(await(meta.releaseSession("c1", B.id(), current.epoch()))).isTrue();
        assertThat(await(meta.releaseSession("c1", B.id(), current.epoch()))).isFalse();
        assertThat(await(meta.claimSession("c1", A.id())).displaced()).isFalse();
    }

    @Test
    void ofManyRacingClaimsEachGetsItsOwnEpochAndTheLastOneOwns() throws Exception {
        MetaClient meta = client();
        List<CompletableFuture<SessionClaim>> claims = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            claims.add(meta.claimSession("hot", "gw" + i));
        }
        List<SessionClaim> results = new ArrayList<>();
        for (CompletableFuture<SessionClaim> claim : claims) {
            results.add(await(claim));
        }
        assertThat(results.stream().map(SessionClaim::epoch).distinct()).hasSize(10);
        assertThat(results.stream().filter(c -> !c.displaced())).hasSize(1);
        SessionClaim last = results.stream().max((x, y) -> Long.compare(x.epoch(), y.epoch())).orElseThrow();
        int lastIndex = results.indexOf(last);
        assertThat(await(meta.releaseSession("hot", "gw" + lastIndex, last.epoch()))).isTrue();
    }

    // ---- persistent session records ----

    @Test
    void aPersistentSessionKeepsItsSubscriptionsAndStateBetweenConnections() throws Exception {
        MetaClient meta = client();
        SessionClaim first = await(meta.claimSession("p1", A.id(), false, 60_000));
        assertThat(first.session()).as("no session existed").isNull();
        assertThat(first.sessionPresent()).isFalse();
        StoredSession empty = await(meta.session("p1")).orElseThrow();
        assertThat(empty.subscriptions()).isEmpty();
        assertThat(empty.state()).isEmpty();

        await(meta.addSubscription("p1", new Subscription("p/+", 1)));
        await(meta.addSubscription("p1", new Subscription("a/b", 2)));
        assertThat(await(meta.saveSession("p1", A.id(), first.epoch(), new byte[] {1, 2, 3}, false))).isTrue();
        assertThat(await(meta.releaseSession("p1", A.id(), first.epoch()))).isTrue();
        assertThat(meta.matchingWildcardFilters("p/x")).as("held while offline").containsExactly("p/+");

        SessionClaim second = await(meta.claimSession("p1", B.id(), false, 60_000));
        assertThat(second.displaced()).isFalse();
        assertThat(second.sessionPresent()).isTrue();
        assertThat(second.session().subscriptions())
                .containsExactly(new Subscription("a/b", 2), new Subscription("p/+", 1));
        assertThat(second.session().state()).containsExactly(1, 2, 3);

        // A stale epoch, or the right epoch on the wrong node, saves nothing.
        assertThat(await(meta.saveSession("p1", A.id(), first.epoch(), new byte[] {9}, false))).isFalse();
        assertThat(await(meta.saveSession("p1", A.id(), second.epoch(), new byte[] {9}, false))).isFalse();
        assertThat(await(meta.saveSession("p1", B.id(), first.epoch(), new byte[] {9}, true))).isFalse();
        assertThat(await(meta.session("p1")).orElseThrow().state()).containsExactly(1, 2, 3);

        // Save and release in one step.
        assertThat(await(meta.saveSession("p1", B.id(), second.epoch(), new byte[] {4}, true))).isTrue();
        assertThat(await(meta.releaseSession("p1", B.id(), second.epoch()))).as("already released").isFalse();
        SessionClaim third = await(meta.claimSession("p1", A.id(), false, 60_000));
        assertThat(third.displaced()).isFalse();
        assertThat(third.session().state()).containsExactly(4);
        assertThat(third.session().subscriptions()).hasSize(2);
    }

    @Test
    void aPersistentClaimWithoutStateOrSubscriptionsStillFindsItsSessionNextTime() throws Exception {
        MetaClient meta = client();
        SessionClaim first = await(meta.claimSession("p0", A.id(), false, 0));
        assertThat(first.session()).isNull();
        assertThat(await(meta.releaseSession("p0", A.id(), first.epoch()))).isTrue();
        SessionClaim again = await(meta.claimSession("p0", A.id(), false, 0));
        assertThat(again.sessionPresent()).as("sessionPresent=1 even with nothing in it").isTrue();
        assertThat(again.session().subscriptions()).isEmpty();
        assertThat(again.session().state()).isEmpty();
    }

    @Test
    void aCleanClaimEndsThePersistentSessionAndReleasesItsFilters() throws Exception {
        MetaClient meta = client();
        SessionClaim persistent = await(meta.claimSession("p2", A.id(), false, 60_000));
        await(meta.addSubscription("p2", new Subscription("x/#", 1)));
        await(meta.addSubscription("other", new Subscription("y/+", 1)));
        assertThat(await(meta.saveSession("p2", A.id(), persistent.epoch(), new byte[] {5}, true))).isTrue();
        assertThat(meta.matchingWildcardFilters("x/1")).containsExactly("x/#");

        SessionClaim clean = await(meta.claimSession("p2", B.id(), true, 0));
        assertThat(clean.session()).isNull();
        assertThat(meta.matchingWildcardFilters("x/1")).isEmpty();
        assertThat(meta.matchingWildcardFilters("y/1")).as("another client's session").containsExactly("y/+");
        assertThat(await(meta.subscriptions("p2"))).isEmpty();
        assertThat(await(meta.session("p2"))).isEmpty();
        assertThat(await(meta.saveSession("p2", B.id(), clean.epoch(), new byte[] {1}, false)))
                .as("a clean session has nothing to save").isFalse();
        assertThat(await(meta.releaseSession("p2", B.id(), clean.epoch()))).isTrue();
        assertThat(await(meta.claimSession("p2", B.id(), false, 0)).session()).isNull();
    }

    @Test
    void dropSessionDeletesTheSessionButNotItsOwnership() throws Exception {
        MetaClient meta = client();
        SessionClaim claim = await(meta.claimSession("p3", A.id(), false, 60_000));
        await(meta.addSubscription("p3", new Subscription("d/+", 0)));
        assertThat(await(meta.saveSession("p3", A.id(), claim.epoch(), new byte[] {8}, false))).isTrue();
        await(meta.dropSession("p3"));
        assertThat(await(meta.session("p3"))).isEmpty();
        assertThat(await(meta.subscriptions("p3"))).isEmpty();
        assertThat(meta.matchingWildcardFilters("d/1")).isEmpty();
        assertThat(await(meta.saveSession("p3", A.id(), claim.epoch(), new byte[] {9}, false))).isFalse();
        assertThat(await(meta.releaseSession("p3", A.id(), claim.epoch()))).as("still owned").isTrue();
        assertThat(await(meta.session("nobody"))).isEmpty();
    }

    @Test
    void persistentSessionsAreListedByPrefixWithOwnerAndSubscriptions() throws Exception {
        MetaClient meta = client();
        await(meta.heartbeat(A));
        SessionClaim owned = await(meta.claimSession("ls-b", A.id(), false, 60_000));
        await(meta.addSubscription("ls-b", new Subscription("ls/+", 1)));
        SessionClaim offline = await(meta.claimSession("ls-a", A.id(), false, 0));
        assertThat(await(meta.releaseSession("ls-a", A.id(), offline.epoch()))).isTrue();
        await(meta.claimSession("ls-clean", A.id()));
        await(meta.claimSession("other", A.id(), false, 0));

        List<SessionSummary> listed = await(meta.sessions("ls-", 10));
        assertThat(listed).extracting(SessionSummary::clientId).containsExactly("ls-a", "ls-b");
        assertThat(listed.get(0).ownerNodeId()).isNull();
        assertThat(listed.get(0).expiryMillis()).isZero();
        assertThat(listed.get(1).ownerNodeId()).isEqualTo(A.id());
        assertThat(listed.get(1).subscriptions()).containsExactly(new Subscription("ls/+", 1));
        assertThat(listed.get(1).expiryMillis()).isEqualTo(60_000);
        assertThat(await(meta.sessions("ls-", 1))).extracting(SessionSummary::clientId).containsExactly("ls-a");
        assertThat(await(meta.sessions("", 10))).extracting(SessionSummary::clientId).contains("other");
        assertThat(meta.filtersInUse()).contains("ls/+");

        await(meta.dropSession("ls-b"));
        assertThat(await(meta.sessions("ls-", 10))).extracting(SessionSummary::clientId).containsExactly("ls-a");
        assertThat(owned.epoch()).isPositive();
    }

    @Test
    void theMetaPeersNameALeader() throws Exception {
        List<MetaPeerStatus> peers = await(client().peerStatus());
        assertThat(peers).isNotEmpty();
        assertThat(peers).filteredOn(p -> "LEADER".equals(p.role())).hasSize(1);
    }

    @Test
    void aNodeThatLeavesReleasesTheSessionsItOwnsAndOnlyThose() throws Exception {
        MetaClient meta = client();
        await(meta.heartbeat(A));
        await(meta.heartbeat(B));
        SessionClaim persistent = await(meta.claimSession("q1", A.id(), false, 0));
        SessionClaim clean = await(meta.claimSession("q2", A.id()));
        await(meta.claimSession("q3", A.id()));
        SessionClaim moved = await(meta.claimSession("q3", B.id()));
        await(meta.leave(A.id()));

        assertThat(await(meta.releaseSession("q1", A.id(), persistent.epoch()))).isFalse();
        assertThat(await(meta.releaseSession("q2", A.id(), clean.epoch()))).isFalse();
        assertThat(await(meta.claimSession("q1", B.id(), false, 0)).displaced()).isFalse();
        assertThat(await(meta.claimSession("q2", B.id())).displaced()).isFalse();
        assertThat(await(meta.releaseSession("q3", B.id(), moved.epoch()))).as("owned by B, not A").isTrue();
    }

    @Test
    void sessionArgumentsAreChecked() throws Exception {
        MetaClient meta = client();
        assertThatThrownBy(() -> meta.claimSession("c", A.id(), false, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> meta.saveSession("c", A.id(), 1, null, false))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> meta.saveSession("c", A.id(), 1, new byte[MetaValidation.MAX_PAYLOAD_BYTES + 1], false))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> meta.session("")).isInstanceOf(IllegalArgumentException.class);
    }

    // ---- persistent sessions ----

    @Test
    void persistentSubscriptionsKeepTheirFiltersInUseUntilRemoved() throws Exception {
        MetaClient meta = client();
        await(meta.addSubscription("c1", new Subscription("s/#", 1)));
        await(meta.addSubscription("c1", new Subscription("t/exact", 0)));
        await(meta.addSubscription("c2", new Subscription("s/#", 2)));
        await(meta.addSubscription("c1", new Subscription("s/#", 2)));
        assertThat(await(meta.subscriptions("c1")))
                .containsExactly(new Subscription("s/#", 2), new Subscription("t/exact", 0));
        assertThat(meta.matchingWildcardFilters("s/x")).containsExactly("s/#");
        assertThat(meta.nodesMatching("s/x")).isEmpty();

        await(meta.removeSubscription("c1", "s/#"));
        assertThat(meta.matchingWildcardFilters("s/x")).containsExactly("s/#");
        await(meta.dropSession("c2"));
        assertThat(meta.matchingWildcardFilters("s/x")).isEmpty();
        assertThat(await(meta.subscriptions("c2"))).isEmpty();
        assertThat(await(meta.subscriptions("c1"))).containsExactly(new Subscription("t/exact", 0));
        await(meta.removeSubscription("c1", "not/there"));
        await(meta.dropSession("c1"));
        assertThat(await(meta.subscriptions("c1"))).isEmpty();
    }

    @Test
    void aPersistentSessionFilterOutlivesTheNodeThatAlsoHeldIt() throws Exception {
        MetaClient meta = client();
        await(meta.heartbeat(A));
        await(meta.addFilter(A.id(), "p/+"));
        await(meta.addSubscription("offline", new Subscription("p/+", 1)));
        await(meta.leave(A.id()));
        assertThat(meta.matchingWildcardFilters("p/1")).containsExactly("p/+");
        assertThat(meta.nodesMatching("p/1")).isEmpty();
    }

    // ---- retained ----

    @Test
    void retainedMessagesAreSetReplacedClearedAndFoundByFilter() throws Exception {
        MetaClient meta = client();
        RetainedMessage ab = new RetainedMessage("a/b", "1".getBytes(), 1);
        RetainedMessage ac = new RetainedMessage("a/c", "2".getBytes(), 0);
        RetainedMessage a = new RetainedMessage("a", "3".getBytes(), 2);
        RetainedMessage sys = new RetainedMessage("$SYS/load", "4".getBytes(), 0);
        for (RetainedMessage m : List.of(ab, ac, a, sys)) {
            await(meta.retain(m));
        }
        assertThat(await(meta.retained("a/+"))).containsExactly(ab, ac);
        assertThat(await(meta.retained("a/#"))).containsExactly(a, ab, ac);
        assertThat(await(meta.retained("#"))).containsExactly(a, ab, ac);
        assertThat(await(meta.retained("$SYS/#"))).containsExactly(sys);
        assertThat(await(meta.retained("a/b"))).containsExactly(ab);
        assertThat(await(meta.retained("+/b"))).containsExactly(ab);

        RetainedMessage replaced = new RetainedMessage("a/b", "new".getBytes(), 0);
        await(meta.retain(replaced));
        assertThat(await(meta.retained("a/b"))).containsExactly(replaced);
        await(meta.retain(new RetainedMessage("a/b", new byte[0], 0)));
        assertThat(await(meta.retained("a/b"))).isEmpty();
        assertThat(await(meta.retained("a/+"))).containsExactly(ac);
    }

    @Test
    void retainedTopicsAreBoundedWhileReplacingAndClearingAlwaysWork() throws Exception {
        MetaClient meta = client();
        assertThat(await(meta.retain(new RetainedMessage("b/1", "1".getBytes(), 0), 2))).isTrue();
        assertThat(await(meta.retain(new RetainedMessage("b/2", "2".getBytes(), 0), 2))).isTrue();
        assertThat(await(meta.retain(new RetainedMessage("b/3", "3".getBytes(), 0), 2))).as("a third topic").isFalse();
        assertThat(await(meta.retained("b/3"))).isEmpty();
        RetainedMessage replaced = new RetainedMessage("b/1", "new".getBytes(), 1);
        assertThat(await(meta.retain(replaced, 2))).as("replacing at the bound").isTrue();
        assertThat(await(meta.retained("b/1"))).containsExactly(replaced);
        assertThat(await(meta.retain(new RetainedMessage("b/3", new byte[0], 0), 2))).as("clearing nothing").isTrue();
        assertThat(await(meta.retain(new RetainedMessage("b/2", new byte[0], 0), 2))).isTrue();
        assertThat(await(meta.retain(new RetainedMessage("b/3", "3".getBytes(), 0), 2))).as("room after a clear").isTrue();
        assertThat(await(meta.retained("b/+"))).extracting(RetainedMessage::topic).containsExactly("b/1", "b/3");
    }

    // ---- wills ----

    @Test
    void aNodeThatLostItsClaimsTakesBackOnlyThoseNobodyClaimedSince() throws Exception {
        MetaClient meta = client();
        await(meta.heartbeat(A));
        long kept = await(meta.claimSession("kept", A.id(), false, 60_000)).epoch();
        long lost = await(meta.claimSession("lost", A.id(), true, 0)).epoch();
        await(meta.leave(A.id())); // as when A's lease lapses: its claims are released
        long taken = await(meta.claimSession("lost", B.id(), true, 0)).epoch();

        assertThat(await(meta.reclaimSession("kept", A.id(), kept))).isTrue();
        assertThat(await(meta.reclaimSession("kept", A.id(), kept))).as("idempotent").isTrue();
        assertThat(await(meta.reclaimSession("lost", A.id(), lost))).isFalse();
        // A owns "kept" at its old epoch again: its saves count, a new claim displaces it.
        assertThat(await(meta.saveSession("kept", A.id(), kept, new byte[] {1}, false))).isTrue();
        SessionClaim next = await(meta.claimSession("kept", B.id(), false, 60_000));
        assertThat(next.previousNodeId()).isEqualTo(A.id());
        assertThat(next.previousEpoch()).isEqualTo(kept);
        assertThat(await(meta.reclaimSession("lost", B.id(), taken))).isTrue();
    }

    @Test
    void willsOfANodeThatLeftAreHandedOutExactlyOnce() throws Exception {
        MetaClient meta = client();
        await(meta.heartbeat(A));
        WillMessage w1 = new WillMessage("c1", "status/c1", "bye".getBytes(), 1, true);
        WillMessage w2 = new WillMessage("c2", "status/c2", new byte[0], 0, false);
        WillMessage onB = new WillMessage("c3", "status/c3", "x".getBytes(), 0, false);
        await(meta.storeWill(A.id(), 1, w1));
        await(meta.storeWill(A.id(), 2, w2));
        await(meta.storeWill(B.id(), 3, onB));

        assertThat(await(meta.takeWills(A.id()))).as("node still live").isEmpty();
        await(meta.leave(A.id()));
        CompletableFuture<List<WillMessage>> first = meta.takeWills(A.id());
        CompletableFuture<List<WillMessage>> second = meta.takeWills(A.id());
        List<WillMessage> taken = new ArrayList<>(await(first));
        taken.addAll(await(second));
        assertThat(taken).containsExactlyInAnyOrder(w1, w2);
        assertThat(await(meta.takeWills(A.id()))).isEmpty();
        assertThat(await(meta.takeWills(B.id()))).containsExactly(onB);
    }

    @Test
    void aWillIsClearedOnlyAtItsEpochAndReplacedByANewerOne() throws Exception {
        MetaClient meta = client();
        WillMessage old = new WillMessage("c1", "status/c1", "old".getBytes(), 0, false);
        WillMessage fresh = new WillMessage("c1", "status/c1", "new".getBytes(), 1, false);
        await(meta.storeWill(A.id(), 5, old));
        assertThat(await(meta.clearWill(A.id(), "c1", 4))).isFalse();
        await(meta.storeWill(A.id(), 6, fresh));
        assertThat(await(meta.clearWill(A.id(), "c1", 5))).isFalse();
        assertThat(await(meta.takeWills(A.id()))).containsExactly(fresh);

        await(meta.storeWill(A.id(), 7, old));
        assertThat(await(meta.clearWill(A.id(), "c1", 7))).isTrue();
        assertThat(await(meta.clearWill(A.id(), "c1", 7))).isFalse();
        assertThat(await(meta.takeWills(A.id()))).isEmpty();
    }
}
