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
            SessionClaim claim = (SessionClaim) store.apply(1, 2, 1000, new Command.ClaimSession("c", "gw"));
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
            assertThat(store.viewChanges(5).changes()).containsExactly(
                    new ViewChange.NodeDown("gw"), new ViewChange.FilterReleased("a/+", "gw"));
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
