package org.rmqtt.gateway.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import org.junit.jupiter.api.Test;
import org.rmqtt.gateway.connection.ConnectionContext;
import org.rmqtt.gateway.connection.Violation;
import org.rmqtt.gateway.connection.ViolationCounters;

class WebSocketFrameCodecTest {
    /** CONNECT (client id "x") and PINGREQ, back to back. */
    private static final byte[] CONNECT = {0x10, 13, 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 60, 0, 1, 'x'};
    private static final byte[] PINGREQ = {(byte) 0xC0, 0};

    private final ViolationCounters violations = new ViolationCounters();

    private EmbeddedChannel channel() {
        EmbeddedChannel ch = new EmbeddedChannel(WebSocketFrameCodec.INSTANCE, new MqttDecoder());
        ConnectionContext.attach(ch, violations);
        return ch;
    }

    private static ByteBuf bytes(byte[] b, int from, int to) {
        return Unpooled.copiedBuffer(b, from, to - from);
    }

    @Test
    void aPacketSplitOverFramesAndContinuationsIsOnePacket() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(new BinaryWebSocketFrame(false, 0, bytes(CONNECT, 0, 3)));
        assertThat((Object) ch.readInbound()).isNull();
        ch.writeInbound(new ContinuationWebSocketFrame(false, 0, bytes(CONNECT, 3, 9)));
        ch.writeInbound(new ContinuationWebSocketFrame(true, 0, bytes(CONNECT, 9, CONNECT.length)));
        MqttMessage m = ch.readInbound();
        assertThat(m).isInstanceOf(MqttConnectMessage.class);
        assertThat(((MqttConnectMessage) m).payload().clientIdentifier()).isEqualTo("x");
        // Two packets in one frame, the second split into the next frame.
        byte[] both = new byte[CONNECT.length + 1];
        System.arraycopy(CONNECT, 0, both, 0, CONNECT.length);
        both[CONNECT.length] = PINGREQ[0];
        ch.writeInbound(new BinaryWebSocketFrame(bytes(both, 0, both.length)));
        ch.writeInbound(new BinaryWebSocketFrame(bytes(PINGREQ, 1, 2)));
        assertThat(((MqttMessage) ch.readInbound()).fixedHeader().messageType()).isEqualTo(MqttMessageType.CONNECT);
        assertThat(((MqttMessage) ch.readInbound()).fixedHeader().messageType()).isEqualTo(MqttMessageType.PINGREQ);
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void eachOutgoingBufferIsOneBinaryFrame() {
        EmbeddedChannel ch = channel();
        ch.writeOutbound(Unpooled.wrappedBuffer(PINGREQ));
        BinaryWebSocketFrame frame = ch.readOutbound();
        assertThat(frame.content().readableBytes()).isEqualTo(2);
        frame.release();
        ch.finishAndReleaseAll();
    }

    @Test
    void aTextFrameClosesTheConnectionAndIsCounted() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(new TextWebSocketFrame("CONNECT"));
        assertThat(ch.isOpen()).isFalse();
        assertThat(violations.count(Violation.WEBSOCKET_FRAME)).isEqualTo(1);
        ch.finishAndReleaseAll();
    }
}
