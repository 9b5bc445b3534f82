package org.rmqtt.meta.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rmqtt.meta.MetaClient;
import org.rmqtt.meta.MetaClientContractTest;
import org.rmqtt.meta.SessionClaim;
import org.rmqtt.meta.Subscription;
import org.rmqtt.meta.client.RatisMetaClient;

/** The contract against a real one-peer Raft group (the embedded deployment) with RocksDB state. */
class RatisMetaClientTest extends MetaClientContractTest {

    @TempDir
    Path dataDir;

    @Override
    protected MetaClient newClient(Duration leaseTime) throws Exception {
        return EmbeddedMeta.start(dataDir, MetaTestCluster::testDefaults,
                peers -> RatisMetaClient.Config.of(peers).withLeaseTime(leaseTime));
    }

    @Override
    protected void expireLeases(MetaClient client, Duration leaseTime, String nodeId) {
        // The leader's reaper expires the lease; the view shows it once the entry is applied.
        await().atMost(Duration.ofSeconds(30)).until(() -> client.node(nodeId).isEmpty());
    }

    @Override
    protected void awaitFiltersGone(MetaClient client, String topic) {
        await().atMost(Duration.ofSeconds(30)).until(() -> client.matchingWildcardFilters(topic).isEmpty());
    }

    @Override
    protected Duration shortLease() {
        // Long enough for the test to set up its state before the lease runs out.
        return Duration.ofSeconds(3);
    }

    @Test
    void theLeadersReaperEndsAnExpiredSessionWithItsFilters() throws Exception {
        try (MetaClient meta = newClient(Duration.ofMinutes(10))) {
            SessionClaim claim = meta.claimSession("short", "gw", false, 200).get(10, TimeUnit.SECONDS);
            meta.addSubscription("short", new Subscription("short/+", 1)).get(10, TimeUnit.SECONDS);
            assertThat(meta.releaseSession("short", "gw", claim.epoch()).get(10, TimeUnit.SECONDS)).isTrue();
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> meta.session("short").get(10, TimeUnit.SECONDS).isEmpty());
            await().atMost(Duration.ofSeconds(30)).until(() -> meta.matchingWildcardFilters("short/1").isEmpty());
            assertThat(meta.subscriptions("short").get(10, TimeUnit.SECONDS)).isEmpty();
        }
    }
}
