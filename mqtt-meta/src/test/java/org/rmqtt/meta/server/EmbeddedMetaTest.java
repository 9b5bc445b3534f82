package org.rmqtt.meta.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rmqtt.meta.GatewayNode;
import org.rmqtt.meta.MetaClient;
import org.rmqtt.meta.RetainedMessage;
import org.rmqtt.meta.SessionClaim;
import org.rmqtt.meta.Subscription;
import org.rmqtt.meta.client.MetaPeer;
import org.rmqtt.meta.client.RatisMetaClient;

class EmbeddedMetaTest {

    @TempDir
    Path dataDir;

    @Test
    void stateSurvivesARestartOfTheEmbeddedPeer() throws Exception {
        long epoch;
        try (MetaClient meta = EmbeddedMeta.start(dataDir)) {
            meta.heartbeat(new GatewayNode("g1", "127.0.0.1:1", "127.0.0.1:2")).join();
            meta.addFilter("g1", "a/+/c").join();
            meta.addSubscription("c1", new Subscription("s/#", 1)).join();
            meta.retain(new RetainedMessage("r/1", new byte[] {1, 2}, 1)).join();
            epoch = meta.claimSession("c1", "g1", false, 0).join().epoch();
            assertThat(meta.matchingWildcardFilters("a/b/c")).containsExactly("a/+/c");
        }
        try (MetaClient meta = EmbeddedMeta.start(dataDir)) {
            assertThat(meta.node("g1")).isPresent();
            assertThat(meta.matchingWildcardFilters("a/b/c")).containsExactly("a/+/c");
            assertThat(meta.matchingWildcardFilters("s/x")).containsExactly("s/#");
            assertThat(meta.subscriptions("c1").join()).containsExactly(new Subscription("s/#", 1));
            assertThat(meta.retained("r/#").join()).containsExactly(new RetainedMessage("r/1", new byte[] {1, 2}, 1));
            SessionClaim next = meta.claimSession("c1", "g2").join();
            assertThat(next.epoch()).isGreaterThan(epoch);
            assertThat(next.previousNodeId()).isEqualTo("g1");
            assertThat(next.previousEpoch()).isEqualTo(epoch);
        }
    }

    @Test
    void theClientReachesItsPeerInProcessNotThroughThePort() throws Exception {
        // The client is told its peer listens where nothing does: only an in-process transport works.
        int nothingThere = EmbeddedMeta.freeLoopbackPort();
        try (MetaClient meta = EmbeddedMeta.start(dataDir, c -> c, peers -> RatisMetaClient.Config.of(
                List.of(new MetaPeer(peers.get(0).id(), "127.0.0.1", nothingThere))))) {
            List<CompletableFuture<SessionClaim>> claims = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                claims.add(meta.claimSession("c" + i, "g1"));
            }
            for (CompletableFuture<SessionClaim> claim : claims) {
                assertThat(claim.get(30, TimeUnit.SECONDS).epoch()).isPositive();
            }
            meta.addSubscription("c1", new Subscription("t/+", 1)).get(30, TimeUnit.SECONDS);
            assertThat(meta.subscriptions("c1").get(30, TimeUnit.SECONDS)).containsExactly(new Subscription("t/+", 1));
            meta.addFilter("g1", "f/+").get(30, TimeUnit.SECONDS);
            assertThat(meta.matchingWildcardFilters("f/x")).containsExactly("f/+");
        }
    }

    /**
     * Writes, linearizable reads and snapshots at once. With replies completed on the peer's own
     * thread, the peer (holding its read-index queue) and the Raft client (holding its sliding
     * window while it sent) waited for each other, and every later call timed out.
     */
    @Test
    void aBurstOfWritesAndReadsAcrossSnapshotsCompletes() throws Exception {
        try (MetaClient meta = EmbeddedMeta.start(dataDir, c -> c.withSnapshots(200, c.logSegmentBytes(), 50))) {
            for (int round = 0; round < 5; round++) {
                List<CompletableFuture<?>> calls = new ArrayList<>();
                for (int i = 0; i < 2000; i++) {
                    String id = "c" + round + "-" + i;
                    calls.add(meta.claimSession(id, "g1"));
                    calls.add(meta.addFilter("g1", "f/" + id + "/+"));
                    calls.add(meta.retained("r/" + id + "/#"));
                }
                for (CompletableFuture<?> call : calls) {
                    call.get(30, TimeUnit.SECONDS);
                }
            }
            assertThat(meta.matchingWildcardFilters("f/c4-1999/x")).containsExactly("f/c4-1999/+");
        }
    }
}
