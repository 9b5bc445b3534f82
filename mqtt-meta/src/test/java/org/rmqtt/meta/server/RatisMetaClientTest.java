package org.rmqtt.meta.server;

import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;
import org.rmqtt.meta.MetaClient;
import org.rmqtt.meta.MetaClientContractTest;
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
    protected Duration shortLease() {
        // Long enough for the test to set up its state before the lease runs out.
        return Duration.ofSeconds(3);
    }
}
