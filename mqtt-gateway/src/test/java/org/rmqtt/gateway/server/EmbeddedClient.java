package org.rmqtt.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import org.rmqtt.gateway.connection.ConnectionContext;
import org.rmqtt.gateway.session.Session;

/**
 * One client connection to an {@link EmbeddedGateway}. Packets go in as bytes through the real
 * decoder (unless sent with {@link #sendUndecoded}); what the gateway writes comes out as bytes of
 * the real encoder and is decoded again by {@link #received()}.
 */
public final class EmbeddedClient {
    private final EmbeddedChannel channel;
    /** The client's side of the wire: encodes what it sends, decodes what it receives. */
    private final EmbeddedChannel codec = new EmbeddedChannel(new MqttDecoder(), MqttEncoder.INSTANCE);
    private final List<MqttMessage> toRelease = new ArrayList<>();

    EmbeddedClient(EmbeddedChannel channel) {
        this.channel = channel;
    }

    /** The gateway's side of the connection. */
    public EmbeddedChannel channel() {
        return channel;
    }

    public boolean isOpen() {
        return channel.isOpen();
    }

    public Session session() {
        return ConnectionContext.of(channel).session();
    }

    /**
     * Sends the packets in one network read, as a client that pipelines them would: the decoder
     * passes all of them on before any session task runs. Then runs the pending tasks.
     */
    public void send(MqttMessage... packets) {
        ByteBuf bytes = Unpooled.buffer();
        for (MqttMessage packet : packets) {
            ByteBuf encoded = encode(packet);
            bytes.writeBytes(encoded);
            encoded.release();
        }
        sendBytes(bytes);
    }

    public void sendBytes(ByteBuf bytes) {
        channel.writeInbound(bytes);
    }

    /** Hands {@code packet} to the pipeline as if the decoder had produced it, e.g. one it would reject. */
    public void sendUndecoded(MqttMessage packet) {
        channel.writeInbound(packet);
    }

    /** The bytes the client's encoder makes of {@code packet}. */
    public ByteBuf encode(MqttMessage packet) {
        assertThat(codec.writeOutbound(packet)).isTrue();
        ByteBuf encoded = Unpooled.buffer();
        for (ByteBuf part; (part = codec.readOutbound()) != null; ) {
            encoded.writeBytes(part);
            part.release();
        }
        return encoded;
    }

    /** Runs the tasks waiting in the event loop (session work, store and meta callbacks). */
    public void runTasks() {
        channel.runPendingTasks();
    }

    /** Everything the gateway wrote since the last call, decoded. */
    public List<MqttMessage> received() {
        List<MqttMessage> messages = new ArrayList<>();
        for (ByteBuf bytes; (bytes = channel.readOutbound()) != null; ) {
            codec.writeInbound(bytes);
            for (MqttMessage m; (m = codec.readInbound()) != null; ) {
                assertThat(m.decoderResult().isSuccess()).as("gateway wrote a malformed %s", m).isTrue();
                messages.add(m);
                toRelease.add(m);
            }
        }
        return messages;
    }

    /** Everything the gateway wrote since the last call, as raw bytes. */
    public byte[] receivedBytes() {
        ByteBuf all = Unpooled.buffer();
        for (ByteBuf bytes; (bytes = channel.readOutbound()) != null; ) {
            all.writeBytes(bytes);
            bytes.release();
        }
        return ByteBufUtil.getBytes(all);
    }

    /** The packets received since the last call, which must be exactly one of type {@code type}. */
    public MqttMessage receivedOne(MqttMessageType type) {
        List<MqttMessage> got = received();
        assertThat(got).extracting(m -> m.fixedHeader().messageType()).containsExactly(type);
        return got.get(0);
    }

    /** The packets received since the last call, which must be exactly one CONNACK. */
    public MqttConnAckMessage receivedConnAck() {
        return (MqttConnAckMessage) receivedOne(MqttMessageType.CONNACK);
    }

    /** CONNECT with a clean session; asserts the CONNACK accepted it. */
    public MqttConnAckMessage connect(String clientId) {
        send(Packets.connect(clientId, true, 60));
        MqttConnAckMessage connAck = receivedConnAck();
        assertThat(connAck.variableHeader().connectReturnCode()).isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
        return connAck;
    }

    /** SUBSCRIBE to one filter; returns the SUBACK. */
    public MqttSubAckMessage subscribe(int packetId, String filter, MqttQoS qos) {
        send(Packets.subscribe(packetId, filter, qos));
        return (MqttSubAckMessage) receivedOne(MqttMessageType.SUBACK);
    }

    void close() {
        channel.finishAndReleaseAll();
        codec.finishAndReleaseAll();
        toRelease.forEach(ReferenceCountUtil::release);
        toRelease.clear();
    }
}
