package org.rmqtt.meta.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bin/mqtt-meta status} against a real 3-peer group, before and after a peer stops. */
class MetaStatusTest {

    @TempDir
    Path dir;

    @Test
    void statusNamesTheLeaderEveryPeerFollowsAndAPeerThatIsDown() throws Exception {
        try (MetaTestCluster cluster = MetaTestCluster.start(dir, 3)) {
            String leader = cluster.leader().id();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                List<MetaStatusMain.PeerStatus> all = MetaStatusMain.status(cluster.peers(), Duration.ofSeconds(3));
                assertThat(all).hasSize(3).allSatisfy(s -> assertThat(s.leader()).isEqualTo(leader));
                assertThat(all).filteredOn(s -> "LEADER".equals(s.role())).hasSize(1);
            });

            String follower = cluster.aFollower().id();
            cluster.stop(follower);
            List<MetaStatusMain.PeerStatus> after = MetaStatusMain.status(cluster.peers(), Duration.ofSeconds(2));
            assertThat(after).filteredOn(s -> s.peer().id().equals(follower))
                    .singleElement().satisfies(s -> assertThat(s.error()).isNotNull());
            assertThat(after).filteredOn(s -> "LEADER".equals(s.role())).hasSize(1);
        }
    }
}
