package org.rmqtt.meta.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rmqtt.meta.GatewayNode;
import org.rmqtt.meta.SessionClaim;
import org.rmqtt.meta.Subscription;
import org.rmqtt.meta.codec.BinaryWriter;
import org.rmqtt.meta.codec.Command;
import org.rmqtt.meta.codec.ViewChange;
import org.rmqtt.meta.codec.ViewDelta;
import org.rmqtt.meta.codec.ViewPage;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

class MetaStoreTest {

    @TempDir
    Path dir;

    @Test
    void theAppliedIndexIsStoredWithTheStateAndOldEntriesAreRefused() throws Exception {
        Path db = dir.resolve("db");
        try (MetaStore store = MetaStore.open(db)) {
            assertThat(store.appliedIndex()).isEqualTo(-1);
            store.apply(1, 1, 1000, new Command.AddSubscription("c", new Subscription("a/#", 1)));
            SessionClaim claim = (SessionClaim) store.apply(1, 2, 1000, new Command.ClaimSession("c", "gw", false, 0));
            assertThat(claim.epoch()).isEqualTo(1);
            assertThatThrownBy(() -> store.apply(1, 2, 1000, new Command.DropSession("c")))
                    .isInstanceOf(IllegalStateException.class);
        }
        try (MetaStore store = MetaStore.open(db)) {
            assertThat(store.appliedIndex()).isEqualTo(2);
            assertThat(store.appliedTerm()).isEqualTo(1);
            assertThat(store.subscriptions("c")).containsExactly(new Subscription("a/#", 1));
        }
    }

    @Test
    void viewChangesAreServedAsDeltasAndAsPages() throws Exception {
        try (MetaStore store = MetaStore.open(dir.resolve("db"))) {
            GatewayNode node = new GatewayNode("gw", "h:1", "h:2");
            store.apply(1, 1, 1000, new Command.Heartbeat(node, 10_000));
            store.apply(1, 2, 2000, new Command.Heartbeat(node, 10_000));
            store.apply(1, 3, 2000, new Command.AddFilter("gw", "a/+"));
            store.apply(1, 4, 2000, new Command.AddSubscription("c", new Subscription("s/#", 0)));
            store.apply(1, 5, 2000, new Command.AddSubscription("d", new Subscription("s/#", 0)));

            ViewDelta delta = store.viewChanges(-1);
            assertThat(delta.covered()).isTrue();
            assertThat(delta.throughIndex()).isEqualTo(5);
            // A lease renewal changes nothing a client mirrors; the second session on s/# neither.
            assertThat(delta.changes()).containsExactly(new ViewChange.NodeUp(node),
                    new ViewChange.FilterHeld("a/+", "gw"), new ViewChange.FilterHeld("s/#", null));
            assertThat(store.viewChanges(5).changes()).isEmpty();

            ViewPage first = store.viewPage(null, 2);
            assertThat(first.entries()).containsExactly(new ViewChange.NodeUp(node), new ViewChange.FilterHeld("a/+", "gw"));
            ViewPage second = store.viewPage(first.nextCursor(), 2);
            assertThat(second.entries()).containsExactly(new ViewChange.FilterHeld("s/#", null));
            assertThat(second.nextCursor()).isNull();

            assertThat(store.hasExpiredLeases(11_999)).isFalse();
            assertThat(store.hasExpiredLeases(12_000)).isTrue();
            store.apply(1, 6, 12_000, new Command.ExpireLeases());
            // The filters outlive the lease by one lease: a paused node that returns keeps them.
            assertThat(store.viewChanges(5).changes()).containsExactly(new ViewChange.NodeDown("gw"));
            assertThat(store.hasExpiredLeases(21_999)).isFalse();
            assertThat(store.hasExpiredLeases(22_000)).isTrue();
            store.apply(1, 7, 22_000, new Command.ExpireLeases());
            assertThat(store.viewChanges(6).changes()).containsExactly(new ViewChange.FilterReleased("a/+", "gw"));
            assertThat(store.hasExpiredLeases(Long.MAX_VALUE)).isFalse();
        }
    }

    @Test
    void unownedSessionsExpireByEntryTimeAndReleaseTheirFilters() throws Exception {
        try (MetaStore store = MetaStore.open(dir.resolve("db"))) {
            Applier log = new Applier(store);
            SessionClaim claim = (SessionClaim) log.apply(1000, new Command.ClaimSession("s", "gw", false, 5_000));
            assertThat(claim.session()).isNull();
            log.apply(1000, new Command.AddSubscription("s", new Subscription("e/+", 1)));
            assertThat(log.apply(1000, new Command.SaveSession("s", "gw", claim.epoch(), new byte[] {7}, false)))
                    .isEqualTo(true);
            assertThat(store.session("s").orElseThrow().state()).containsExactly(7);
            assertThat(store.hasExpiredSessions(Long.MAX_VALUE)).as("owned").isFalse();

            assertThat(log.apply(2000, new Command.ReleaseSession("s", "gw", claim.epoch()))).isEqualTo(true);
            assertThat(store.hasExpiredSessions(6_999)).isFalse();
            assertThat(store.hasExpiredSessions(7_000)).isTrue();
            log.apply(6_999, new Command.ExpireSessions());
            assertThat(store.session("s")).isPresent();
            long before = store.appliedIndex();
            log.apply(7_000, new Command.ExpireSessions());
            assertThat(store.session("s")).isEmpty();
            assertThat(store.subscriptions("s")).isEmpty();
            assertThat(store.hasExpiredSessions(Long.MAX_VALUE)).isFalse();
            assertThat(store.viewChanges(before).changes()).containsExactly(new ViewChange.FilterReleased("e/+", null));
            assertThat(((SessionClaim) log.apply(7_000, new Command.ClaimSession("s", "gw", false, 0))).session())
                    .as("ended: a new, empty session").isNull();
        }
    }

    @Test
    void aNodeThatLeavesOrLapsesReleasesItsSessionsWhichThenExpire() throws Exception {
        try (MetaStore store = MetaStore.open(dir.resolve("db"))) {
            Applier log = new Applier(store);
            log.apply(1000, new Command.Heartbeat(new GatewayNode("gw1", "h:1", "h:2"), 60_000));
            log.apply(1000, new Command.Heartbeat(new GatewayNode("gw2", "h:3", "h:4"), 2_000));
            SessionClaim t = (SessionClaim) log.apply(1000, new Command.ClaimSession("t", "gw1", false, 1_000));
            log.apply(1000, new Command.ClaimSession("moved", "gw1", false, 1_000));
            SessionClaim moved = (SessionClaim) log.apply(1000, new Command.ClaimSession("moved", "gw2", false, 1_000));
            assertThat(moved.previousNodeId()).isEqualTo("gw1");

            log.apply(5_000, new Command.Leave("gw1"));
            assertThat(log.apply(5_000, new Command.ReleaseSession("t", "gw1", t.epoch()))).isEqualTo(false);
            assertThat(store.hasExpiredSessions(5_999)).isFalse();
            assertThat(store.hasExpiredSessions(6_000)).isTrue();
            log.apply(6_000, new Command.ExpireSessions());
            assertThat(store.session("t")).isEmpty();
            assertThat(store.session("moved")).as("owned by gw2, which is still there").isPresent();

            // gw2's lease ended at 3_000; the expiry entry at 7_000 releases its session then.
            log.apply(7_000, new Command.ExpireLeases());
            assertThat(log.apply(7_000, new Command.ReleaseSession("moved", "gw2", moved.epoch()))).isEqualTo(false);
            assertThat(store.hasExpiredSessions(7_999)).isFalse();
            assertThat(store.hasExpiredSessions(8_000)).isTrue();
        }
    }

    @Test
    void aBatchIsOneEntryWithOneResultPerCommandInOrder() throws Exception {
        try (MetaStore store = MetaStore.open(dir.resolve("db"))) {
            Object result = store.apply(1, 1, 1000, new Command.Batch(List.of(
                    new Command.ClaimSession("b", "gw"),
                    new Command.AddSubscription("b", new Subscription("b/+", 1)),
                    new Command.ClaimSession("b", "gw2", false, 0),
                    new Command.ReleaseSession("b", "gw", 1),
                    new Command.ReleaseSession("b", "gw2", 2))));
            assertThat(store.appliedIndex()).isEqualTo(1);
            List<?> results = (List<?>) result;
            assertThat(results).hasSize(5);
            assertThat(((SessionClaim) results.get(0)).epoch()).isEqualTo(1);
            assertThat(results.get(1)).isNull();
            SessionClaim second = (SessionClaim) results.get(2);
            assertThat(second.previousNodeId()).isEqualTo("gw");
            assertThat(second.session().subscriptions()).as("sees the batch's own earlier write")
                    .containsExactly(new Subscription("b/+", 1));
            assertThat(results.get(3)).isEqualTo(false);
            assertThat(results.get(4)).isEqualTo(true);
            assertThat(store.viewChanges(0).changes()).containsExactly(new ViewChange.FilterHeld("b/+", null));
        }
    }

    /** Applies entries at consecutive indexes. */
    private static final class Applier {
        private final MetaStore store;

        Applier(MetaStore store) {
            this.store = store;
        }

        Object apply(long time, Command command) throws IOException {
            return store.apply(1, store.appliedIndex() + 1, time, command);
        }
    }

    @Test
    void aCheckpointOpensAsAStoreAtTheSameIndex() throws Exception {
        Path checkpoint = dir.resolve("checkpoint");
        try (MetaStore store = MetaStore.open(dir.resolve("db"))) {
            store.apply(3, 10, 0, new Command.AddSubscription("c", new Subscription("x", 2)));
            store.markApplied(3, 12);
            store.checkpoint(checkpoint);
        }
        try (MetaStore copy = MetaStore.open(checkpoint)) {
            assertThat(copy.appliedIndex()).isEqualTo(12);
            assertThat(copy.subscriptions("c")).containsExactly(new Subscription("x", 2));
        }
    }

    @Test
    void aStoreOfAnotherFormatVersionIsRefused() throws Exception {
        Path db = dir.resolve("db");
        MetaStore.open(db).close();
        try (Options options = new Options(); RocksDB raw = RocksDB.open(options, db.toString())) {
            raw.put(Keys.FORMAT, new BinaryWriter().i32(99).toByteArray());
        }
        assertThatThrownBy(() -> MetaStore.open(db))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("format version 99; this build reads version 1");
    }

    @Test
    void corruptFilesOrForeignDataAreRefused() throws Exception {
        Path db = dir.resolve("db");
        MetaStore.open(db).close();
        Files.writeString(db.resolve("CURRENT"), "garbage\n");
        assertThatThrownBy(() -> MetaStore.open(db))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("Cannot open the meta store")
                .hasMessageContaining("will not serve it");

        Path foreign = dir.resolve("foreign");
        try (Options options = new Options().setCreateIfMissing(true);
                RocksDB raw = RocksDB.open(options, foreign.toString())) {
            raw.put(new byte[] {1}, new byte[] {2});
        }
        assertThatThrownBy(() -> MetaStore.open(foreign))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("no format marker");
    }

    @Test
    void retainedLookupScansOnlyTheLiteralPrefixOfAFilter() {
        assertThat(MetaStore.literalPrefix("a/b/#")).isEqualTo("a/b");
        assertThat(MetaStore.literalPrefix("a/+/c")).isEqualTo("a/");
        assertThat(MetaStore.literalPrefix("#")).isEmpty();
        assertThat(MetaStore.literalPrefix("+/x")).isEmpty();
        assertThat(MetaStore.literalPrefix("a/b")).isEqualTo("a/b");
        assertThat(List.of("a", "a/b", "a/b/c")).allMatch(t -> t.startsWith(MetaStore.literalPrefix("a/#")));
    }
}
