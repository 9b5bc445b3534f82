package org.rmqtt.meta.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rmqtt.meta.GatewayNode;
import org.rmqtt.meta.MetaClient;
import org.rmqtt.meta.RetainedMessage;
import org.rmqtt.meta.SessionClaim;
import org.rmqtt.meta.Subscription;

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
}
