package org.rmqtt.meta.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.rmqtt.meta.GatewayNode;
import org.rmqtt.meta.RetainedMessage;
import org.rmqtt.meta.SessionClaim;
import org.rmqtt.meta.StoredSession;
import org.rmqtt.meta.Subscription;
import org.rmqtt.meta.WillMessage;

class MetaCodecTest {

    private static final GatewayNode NODE = new GatewayNode("gw-ü", "h:1", "h:2");
    private static final WillMessage WILL = new WillMessage("c1", "w/t", new byte[] {0, 1, (byte) 255}, 2, true);
    private static final List<Command> ALL_COMMANDS = List.of(
            new Command.Heartbeat(NODE, 30_000),
            new Command.Leave("gw"),
            new Command.AddFilter("gw", "a/+/#"),
            new Command.RemoveFilter("gw", "a/+/#"),
            new Command.ClaimSession("c1", "gw"),
            new Command.ReleaseSession("c1", "gw", 42),
            new Command.AddSubscription("c1", new Subscription("s/#", 1)),
            new Command.RemoveSubscription("c1", "s/#"),
            new Command.DropSession("c1"),
            new Command.Retain(new RetainedMessage("r", "p".getBytes(), 1)),
            new Command.StoreWill("gw", 9, WILL),
            new Command.ClearWill("gw", "c1", 9),
            new Command.TakeWills("gw"),
            new Command.ExpireLeases(),
            new Command.ClaimSession("c1", "gw", false, 3_600_000),
            new Command.SaveSession("c1", "gw", 7, new byte[] {1, 2, 0}, true),
            new Command.SaveSession("c1", "gw", 7, new byte[0], false),
            new Command.ReclaimSession("c1", "gw", 7),
            new Command.ExpireSessions(),
            new Command.Batch(List.of(new Command.ClaimSession("c1", "gw", false, 5),
                    new Command.SaveSession("c1", "gw", 1, new byte[] {9}, false), new Command.Leave("gw"))),
            new Command.Batch(List.of()));

    @Test
    void sessionSummariesRoundTrip() {
        List<org.rmqtt.meta.SessionSummary> sessions = List.of(
                new org.rmqtt.meta.SessionSummary("a", null, List.of(), 0, 0),
                new org.rmqtt.meta.SessionSummary("b", "gw1", List.of(new org.rmqtt.meta.Subscription("x/#", 2)), 60_000, 123));
        assertThat(MetaCodec.decodeSessionSummaries(MetaCodec.encodeSessionSummaries(sessions))).isEqualTo(sessions);
    }

    @Test
    void everyCommandSurvivesARequestAndALogEntryRoundTrip() {
        for (Command command : ALL_COMMANDS) {
            assertThat(MetaCodec.decodeRequest(MetaCodec.encodeRequest(command))).isEqualTo(command);
            MetaCodec.LogEntry entry = MetaCodec.decodeLogEntry(MetaCodec.encodeLogEntry(1234L, command));
            assertThat(entry.timeMillis()).isEqualTo(1234L);
            assertThat(entry.command()).isEqualTo(command);
        }
    }

    @Test
    void queriesAndRepliesRoundTrip() {
        for (Query query : List.of(new Query.ViewChanges(-1), new Query.Subscriptions("c"), new Query.Retained("#"),
                new Query.Sessions("dev-", 100))) {
            assertThat(MetaCodec.decodeQuery(MetaCodec.encodeQuery(query))).isEqualTo(query);
        }
        Query.ViewDump dump = (Query.ViewDump) MetaCodec.decodeQuery(
                MetaCodec.encodeQuery(new Query.ViewDump(new byte[] {0x11, 0}, 50)));
        assertThat(dump.cursor()).containsExactly(0x11, 0);
        assertThat(dump.limit()).isEqualTo(50);

        SessionClaim claim = new SessionClaim(5, "gw", 4);
        assertThat(MetaCodec.decodeClaim(MetaCodec.encodeClaim(claim))).isEqualTo(claim);
        assertThat(MetaCodec.decodeClaim(MetaCodec.encodeClaim(new SessionClaim(1, null, 0))).displaced()).isFalse();
        assertThat(MetaCodec.decodeWills(MetaCodec.encodeWills(List.of(WILL)))).containsExactly(WILL);
        List<ViewChange> changes = List.of(new ViewChange.NodeUp(NODE), new ViewChange.NodeDown("x"),
                new ViewChange.FilterHeld("a/+", null), new ViewChange.FilterReleased("a/+", "gw"));
        assertThat(MetaCodec.decodeViewDelta(MetaCodec.encodeViewDelta(new ViewDelta(true, 7, changes))))
                .isEqualTo(new ViewDelta(true, 7, changes));
        ViewPage page = MetaCodec.decodeViewPage(MetaCodec.encodeViewPage(new ViewPage(3, changes, new byte[] {1})));
        assertThat(page.entries()).isEqualTo(changes);
        assertThat(page.nextCursor()).containsExactly(1);
    }

    @Test
    void theFirstClaimOpcodeStillDecodesAsACleanClaimWithoutExpiry() {
        byte[] old = new BinaryWriter().u8(1).u8(5).str("c1").str("gw").toByteArray();
        assertThat(MetaCodec.decodeRequest(old)).isEqualTo(new Command.ClaimSession("c1", "gw", true, 0));
        assertThat(MetaCodec.encodeRequest(new Command.ClaimSession("c1", "gw"))[1]).as("written with the new opcode")
                .isEqualTo((byte) 15);
    }

    @Test
    void claimAndSessionRepliesCarryTheStoredSession() {
        StoredSession session = new StoredSession(List.of(new Subscription("a/#", 1), new Subscription("b", 0)),
                new byte[] {4, 5});
        SessionClaim claim = MetaCodec.decodeClaim(MetaCodec.encodeClaim(new SessionClaim(9, "gw", 8, session)));
        assertThat(claim.epoch()).isEqualTo(9);
        assertThat(claim.previousNodeId()).isEqualTo("gw");
        assertThat(claim.previousEpoch()).isEqualTo(8);
        assertThat(claim.session().subscriptions()).isEqualTo(session.subscriptions());
        assertThat(claim.session().state()).containsExactly(4, 5);
        SessionClaim without = MetaCodec.decodeClaim(MetaCodec.encodeClaim(new SessionClaim(3, null, 0, null)));
        assertThat(without).isEqualTo(new SessionClaim(3, null, 0, null));
        // A claim reply of the first layout (no session flag) reads as a claim without a session.
        byte[] firstLayout = new BinaryWriter().u8(1).i64(2).optStr(null).i64(0).toByteArray();
        assertThat(MetaCodec.decodeClaim(firstLayout)).isEqualTo(new SessionClaim(2, null, 0));

        StoredSession empty = new StoredSession(List.of(), new byte[0]);
        assertThat(MetaCodec.decodeSession(MetaCodec.encodeSession(Optional.of(empty))).orElseThrow().state()).isEmpty();
        assertThat(MetaCodec.decodeSession(MetaCodec.encodeSession(Optional.empty()))).isEmpty();
        assertThat(MetaCodec.decodeQuery(MetaCodec.encodeQuery(new Query.Session("c"))))
                .isEqualTo(new Query.Session("c"));
    }

    @Test
    void aBatchReplyHoldsEachCommandsOwnReply() {
        List<byte[]> replies = List.of(MetaCodec.encodeClaim(new SessionClaim(1, null, 0)), MetaCodec.encodeUnit(),
                MetaCodec.encodeBoolean(true));
        List<byte[]> decoded = MetaCodec.decodeBatchReply(MetaCodec.encodeBatchReply(replies));
        assertThat(decoded).hasSize(3);
        assertThat(MetaCodec.decodeClaim(decoded.get(0)).epoch()).isEqualTo(1);
        MetaCodec.decodeUnit(decoded.get(1));
        assertThat(MetaCodec.decodeBoolean(decoded.get(2))).isTrue();
    }

    @Test
    void aBatchChangesTheViewIfAnyOfItsCommandsDoes() {
        Command release = new Command.ReleaseSession("c", "gw", 1);
        assertThat(new Command.Batch(List.of(release, new Command.ClaimSession("c", "gw", false, 0))).changesView())
                .isFalse();
        assertThat(new Command.Batch(List.of(release, new Command.ClaimSession("c", "gw"))).changesView())
                .as("a clean claim can drop subscriptions").isTrue();
        assertThat(new Command.ExpireSessions().changesView()).isTrue();
        assertThat(new Command.SaveSession("c", "gw", 1, new byte[0], true).changesView()).isFalse();
    }

    @Test
    void aBatchInsideABatchIsRefused() {
        assertThatThrownBy(() -> new Command.Batch(List.of(new Command.Batch(List.of()))))
                .isInstanceOf(IllegalArgumentException.class);
        byte[] nested = new BinaryWriter().u8(1).u8(18).i32(1).u8(18).i32(0).toByteArray();
        assertThatThrownBy(() -> MetaCodec.decodeRequest(nested))
                .isInstanceOf(CodecException.class).hasMessageContaining("batch inside a batch");
        byte[] negativeExpiry = new BinaryWriter().u8(1).u8(15).str("c").str("gw").bool(false).i64(-1).toByteArray();
        assertThatThrownBy(() -> MetaCodec.decodeRequest(negativeExpiry)).isInstanceOf(CodecException.class);
    }

    @Test
    void anUnknownVersionIsRefusedWithAClearMessage() {
        byte[] data = MetaCodec.encodeLogEntry(1, new Command.Leave("gw"));
        data[0] = 9;
        assertThatThrownBy(() -> MetaCodec.decodeLogEntry(data))
                .isInstanceOf(CodecException.class)
                .hasMessage("meta log entry has format version 9; this build reads version 1");
    }

    @Test
    void unknownOpcodesTruncatedAndInvalidDataAreRefused() {
        assertThatThrownBy(() -> MetaCodec.decodeRequest(new byte[] {1, 99}))
                .isInstanceOf(CodecException.class).hasMessageContaining("unknown meta command opcode 99");
        byte[] full = MetaCodec.encodeRequest(new Command.AddFilter("gw", "a/b"));
        assertThatThrownBy(() -> MetaCodec.decodeRequest(Arrays.copyOf(full, full.length - 1)))
                .isInstanceOf(CodecException.class).hasMessageContaining("truncated");
        byte[] longer = Arrays.copyOf(full, full.length + 1);
        assertThatThrownBy(() -> MetaCodec.decodeRequest(longer))
                .isInstanceOf(CodecException.class).hasMessageContaining("trailing");
        byte[] badFilter = MetaCodec.encodeRequest(new Command.AddSubscription("c", new Subscription("a", 1)));
        badFilter[badFilter.length - 1] = 3;
        assertThatThrownBy(() -> MetaCodec.decodeRequest(badFilter))
                .isInstanceOf(CodecException.class).hasMessageContaining("QoS");
        assertThatThrownBy(() -> MetaCodec.decodeRequest(new byte[0])).isInstanceOf(CodecException.class);
    }
}
