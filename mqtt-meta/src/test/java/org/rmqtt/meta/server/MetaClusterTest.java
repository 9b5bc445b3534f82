package org.rmqtt.meta.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rmqtt.meta.GatewayNode;
import org.rmqtt.meta.MetaUnavailableException;
import org.rmqtt.meta.RetainedMessage;
import org.rmqtt.meta.SessionClaim;
import org.rmqtt.meta.Subscription;
import org.rmqtt.meta.WillMessage;
import org.rmqtt.meta.client.MetaGroup;
import org.rmqtt.meta.client.RatisMetaClient;

/** Three real meta peers on loopback: races, failover, restart and catch-up by snapshot. */
class MetaClusterTest {

    @TempDir
    Path root;

    private MetaTestCluster cluster;

    @AfterEach
    void tearDown() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void ofTwoRacingClaimsForOneClientIdExactlyOneWins() throws Exception {
        cluster = MetaTestCluster.start(root, 3);
        RatisMetaClient gatewayA = cluster.client();
        RatisMetaClient gatewayB = cluster.client();
        for (int round = 0; round < 20; round++) {
            String clientId = "racer-" + round;
            CompletableFuture<SessionClaim> a = gatewayA.claimSession(clientId, "gwA");
            CompletableFuture<SessionClaim> b = gatewayB.claimSession(clientId, "gwB");
            SessionClaim claimA = a.get(10, TimeUnit.SECONDS);
            SessionClaim claimB = b.get(10, TimeUnit.SECONDS);

            assertThat(claimA.epoch()).isNotEqualTo(claimB.epoch());
            boolean aWon = claimA.epoch() > claimB.epoch();
            SessionClaim winner = aWon ? claimA : claimB;
            SessionClaim loser = aWon ? claimB : claimA;
            String loserNode = aWon ? "gwB" : "gwA";
            String winnerNode = aWon ? "gwA" : "gwB";
            assertThat(loser.displaced()).isFalse();
            assertThat(winner.previousNodeId()).isEqualTo(loserNode);
            assertThat(winner.previousEpoch()).isEqualTo(loser.epoch());
            // Only the winner still owns the session.
            assertThat(gatewayA.releaseSession(clientId, loserNode, loser.epoch()).get(10, TimeUnit.SECONDS)).isFalse();
            assertThat(gatewayB.releaseSession(clientId, winnerNode, winner.epoch()).get(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void afterTheLeaderIsKilledANewLeaderTakesWritesAndNoAcknowledgedWriteIsLost() throws Exception {
        cluster = MetaTestCluster.start(root, 3);
        RatisMetaClient client = cluster.client();
        List<Subscription> acknowledged = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            Subscription s = new Subscription("before/" + i, 1);
            client.addSubscription("durable", s).get(10, TimeUnit.SECONDS);
            acknowledged.add(s);
        }
        MetaServer oldLeader = cluster.leader();
        cluster.stop(oldLeader.id());
        // Read during the election: served once a new leader confirms its read index.
        assertThat(client.subscriptions("durable").get(10, TimeUnit.SECONDS))
                .containsExactlyInAnyOrderElementsOf(acknowledged);

        for (int i = 0; i < 30; i++) {
            Subscription s = new Subscription("after/" + i, 2);
            client.addSubscription("durable", s).get(10, TimeUnit.SECONDS);
            acknowledged.add(s);
        }
        MetaServer newLeader = cluster.leader();
        assertThat(newLeader.id()).isNotEqualTo(oldLeader.id());
        assertThat(client.subscriptions("durable").get(10, TimeUnit.SECONDS))
                .containsExactlyInAnyOrderElementsOf(acknowledged);
        // The view follows the new leader too.
        client.addFilter("gw1", "after/+/x").get(10, TimeUnit.SECONDS);
        assertThat(client.matchingWildcardFilters("after/1/x")).contains("after/+/x");

        // The killed peer comes back and catches up.
        MetaServer back = cluster.start(oldLeader.id());
        long target = newLeader.stateMachine().store().appliedIndex();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> back.stateMachine().store().appliedIndex() >= target);
        assertThat(back.stateMachine().store().subscriptions("durable")).containsExactlyInAnyOrderElementsOf(acknowledged);
    }

    @Test
    void aFullRestartOfAllPeersKeepsTheState() throws Exception {
        cluster = MetaTestCluster.start(root, 3);
        RatisMetaClient before = cluster.client();
        before.heartbeat(new GatewayNode("gw1", "10.0.0.1:9876", "10.0.0.1:1883")).get(10, TimeUnit.SECONDS);
        before.addFilter("gw1", "home/+/temp").get(10, TimeUnit.SECONDS);
        before.addSubscription("sleeper", new Subscription("alerts/#", 2)).get(10, TimeUnit.SECONDS);
        before.retain(new RetainedMessage("home/1/temp", "21.5".getBytes(), 1)).get(10, TimeUnit.SECONDS);
        before.storeWill("gw1", 7, new WillMessage("sleeper", "status/sleeper", "gone".getBytes(), 1, true))
                .get(10, TimeUnit.SECONDS);
        long epoch = before.claimSession("sleeper", "gw1", false, 0).get(10, TimeUnit.SECONDS).epoch();
        cluster.close();

        cluster.startAll();
        RatisMetaClient after = cluster.client().awaitView();
        assertThat(after.node("gw1")).contains(new GatewayNode("gw1", "10.0.0.1:9876", "10.0.0.1:1883"));
        assertThat(after.nodesMatching("home/3/temp")).containsExactly("gw1");
        assertThat(after.matchingWildcardFilters("alerts/fire")).containsExactly("alerts/#");
        assertThat(after.subscriptions("sleeper").get(10, TimeUnit.SECONDS))
                .containsExactly(new Subscription("alerts/#", 2));
        assertThat(after.retained("home/#").get(10, TimeUnit.SECONDS))
                .containsExactly(new RetainedMessage("home/1/temp", "21.5".getBytes(), 1));
        SessionClaim next = after.claimSession("sleeper", "gw2").get(10, TimeUnit.SECONDS);
        assertThat(next.epoch()).isGreaterThan(epoch);
        assertThat(next.previousNodeId()).isEqualTo("gw1");
        after.leave("gw1").get(10, TimeUnit.SECONDS);
        assertThat(after.takeWills("gw1").get(10, TimeUnit.SECONDS))
                .containsExactly(new WillMessage("sleeper", "status/sleeper", "gone".getBytes(), 1, true));
    }

    @Test
    void aLaggingPeerCatchesUpBySnapshotInstall() throws Exception {
        cluster = MetaTestCluster.create(root, 3, c -> c.withSnapshots(20, 1024, 1));
        cluster.startAll();
        RatisMetaClient client = cluster.client();
        client.addSubscription("lag", new Subscription("warmup", 0)).get(10, TimeUnit.SECONDS);
        MetaServer lagging = cluster.aFollower();
        String laggingId = lagging.id();
        long laggingIndex = lagging.stateMachine().store().appliedIndex();
        cluster.stop(laggingId);

        List<Subscription> expected = new ArrayList<>(List.of(new Subscription("warmup", 0)));
        for (int i = 0; i < 120; i++) {
            Subscription s = new Subscription("lag/" + i, i % 3);
            client.addSubscription("lag", s).get(10, TimeUnit.SECONDS);
            expected.add(s);
        }
        MetaServer leader = cluster.leader();
        // The entries the lagging peer misses are gone from the leader's log: only a snapshot can help.
        await().atMost(Duration.ofSeconds(30)).until(() ->
                leader.raftServer().getDivision(MetaGroup.ID).getRaftLog().getStartIndex() > laggingIndex + 1);

        MetaServer restarted = cluster.start(laggingId);
        long target = leader.stateMachine().store().appliedIndex();
        await().atMost(Duration.ofSeconds(30)).until(() -> restarted.stateMachine().store().appliedIndex() >= target);
        assertThat(restarted.stateMachine().snapshotInstalls()).isGreaterThanOrEqualTo(1);
        assertThat(restarted.stateMachine().store().subscriptions("lag")).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void aCallWithoutALeaderFailsWithAClearErrorInsteadOfHanging() throws Exception {
        cluster = MetaTestCluster.create(root, 3, c -> c);
        cluster.start("m1");
        RatisMetaClient client = cluster.client(
                RatisMetaClient.Config.of(cluster.peers()).withCallTimeout(Duration.ofSeconds(1)));

        CompletableFuture<SessionClaim> claim = client.claimSession("orphan", "gw1");
        CompletableFuture<List<Subscription>> read = client.subscriptions("orphan");
        for (CompletableFuture<?> call : List.of(claim, read)) {
            // The bound only guards against a hang; the call is expected to fail long before.
            assertThatThrownBy(() -> call.get(60, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause()
                    .isInstanceOf(MetaUnavailableException.class)
                    .hasMessageContaining("no meta leader reachable")
                    .hasMessageContaining("m2=127.0.0.1:");
        }
    }

    @Test
    void concurrentClaimsShareLogEntries() throws Exception {
        cluster = MetaTestCluster.start(root, 3);
        RatisMetaClient client = cluster.client();
        client.claimSession("warm-up", "gw1").get(10, TimeUnit.SECONDS);
        MetaServer leader = cluster.leader();
        long before = leader.stateMachine().store().appliedIndex();

        int count = 5_000;
        List<CompletableFuture<SessionClaim>> claims = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            claims.add(client.claimSession("many-" + i, "gw1", i % 2 == 0, 60_000));
        }
        Set<Long> epochs = new HashSet<>();
        for (CompletableFuture<SessionClaim> claim : claims) {
            SessionClaim result = claim.get(60, TimeUnit.SECONDS);
            assertThat(result.displaced()).isFalse();
            assertThat(result.session()).isNull();
            epochs.add(result.epoch());
        }
        assertThat(epochs).hasSize(count);
        long entries = leader.stateMachine().store().appliedIndex() - before;
        assertThat(entries).as("log entries for %d claims", count).isPositive().isLessThan(1_000);
        // Each caller got its own command's result: the persistent ones exist now, the clean ones do not.
        assertThat(client.session("many-1").get(10, TimeUnit.SECONDS)).isPresent();
        assertThat(client.session("many-2").get(10, TimeUnit.SECONDS)).isEmpty();
    }

    @Test
    void callsBeyondTheQueueBoundFailAtOnceInsteadOfBlocking() throws Exception {
        cluster = MetaTestCluster.create(root, 3, c -> c);
        cluster.start("m1");
        RatisMetaClient client = cluster.client(
                RatisMetaClient.Config.of(cluster.peers()).withCallTimeout(Duration.ofSeconds(5)));
        // No leader: nothing leaves the queue but the few batches in flight.
        int calls = RatisMetaClient.MAX_QUEUED_CALLS + 10 * RatisMetaClient.MAX_BATCH_COMMANDS;
        List<CompletableFuture<Boolean>> futures = new ArrayList<>(calls);
        for (int i = 0; i < calls; i++) {
            futures.add(client.releaseSession("q" + i, "gw1", 1));
        }
        CompletableFuture<Boolean> last = futures.get(calls - 1);
        assertThatThrownBy(() -> last.get(60, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(MetaUnavailableException.class)
                .hasMessageContaining("queue full");
        for (CompletableFuture<Boolean> future : futures) {
            assertThatThrownBy(() -> future.get(60, TimeUnit.SECONDS))
                    .cause().isInstanceOf(MetaUnavailableException.class);
        }
    }

    @Test
    void viewsOfOtherClientsFollowWrites() throws Exception {
        cluster = MetaTestCluster.start(root, 3);
        RatisMetaClient writer = cluster.client();
        RatisMetaClient reader = cluster.client().awaitView();
        writer.heartbeat(new GatewayNode("gw9", "h:1", "h:2")).get(10, TimeUnit.SECONDS);
        writer.addFilter("gw9", "v/+").get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> reader.matchingWildcardFilters("v/1").contains("v/+"));
        assertThat(reader.nodesMatching("v/1")).containsExactly("gw9");
        assertThat(reader.node("gw9")).isPresent();

        writer.leave("gw9").get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> reader.matchingWildcardFilters("v/1").isEmpty());
        assertThat(reader.node("gw9")).isEmpty();
    }
}
