package org.rmqtt.meta.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.rmqtt.meta.GatewayNode;
import org.rmqtt.meta.RetainedMessage;
import org.rmqtt.meta.SessionClaim;
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
            new Command.ExpireLeases());

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
        for (Query query : List.of(new Query.ViewChanges(-1), new Query.Subscriptions("c"), new Query.Retained("#"))) {
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
