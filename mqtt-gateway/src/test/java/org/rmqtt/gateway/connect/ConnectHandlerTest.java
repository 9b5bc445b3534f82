package org.rmqtt.gateway.connect;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.rmqtt.common.mapping.LmqNames;
import org.rmqtt.common.notify.TopicEvent;
import org.rmqtt.gateway.connection.ConnectionContext;
import org.rmqtt.gateway.server.EmbeddedClient;
import org.rmqtt.gateway.server.EmbeddedGateway;
import org.rmqtt.gateway.server.HandlerNames;
import org.rmqtt.gateway.server.Packets;
import org.rmqtt.gateway.session.Session;
import org.rmqtt.store.PullBatch;
import org.rmqtt.store.memory.InMemoryMessageStore;

class ConnectHandlerTest {
    private final EmbeddedGateway gateway = new EmbeddedGateway();

    @AfterEach
    void close() {
        gateway.close();
    }

    @Test
    void aCleanSessionIsAcceptedWithoutSessionPresent() {
        EmbeddedClient client = gateway.connect();

        MqttConnAckMessage connAck = client.connect("c1");

        assertThat(connAck.variableHeader().isSessionPresent()).isFalse();
        assertThat(client.isOpen()).isTrue();
        assertThat(ConnectionContext.of(client.channel()).state()).isEqualTo(ConnectionContext.State.CONNECTED);
        assertThat(client.session().clientId()).isEqualTo("c1");
        assertThat(gateway.registry.connectedCount()).isEqualTo(1);
    }

    static Stream<Arguments> packetsOtherThanConnect() {
        return Stream.of(
                Arguments.of("PUBLISH", (Supplier<MqttMessage>) () -> Packets.publish("a/b", MqttQoS.AT_LEAST_ONCE, 1, "x")),
                Arguments.of("SUBSCRIBE", (Supplier<MqttMessage>) () -> Packets.subscribe(1, "a/b", MqttQoS.AT_LEAST_ONCE)),
                Arguments.of("PINGREQ", (Supplier<MqttMessage>) Packets::pingReq),
                Arguments.of("DISCONNECT", (Supplier<MqttMessage>) Packets::disconnect));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("packetsOtherThanConnect")
    void aPacketBeforeConnectClosesTheConnection(String name, Supplier<MqttMessage> packet) {
        EmbeddedClient client = gateway.connect();

        client.send(packet.get());

        assertThat(client.isOpen()).isFalse();
        assertThat(client.received()).isEmpty();
        assertThat(client.session()).isNull();
        assertThat(gateway.store.pull(InMemoryMessageStore.BROKER, LmqNames.of("a/b"), 0, 10).join().status())
                .isEqualTo(PullBatch.Status.NO_NEW_MESSAGES);
        assertThat(gateway.meta.nodesMatching("a/b")).isEmpty();
    }

    static Stream<Arguments> packetsOnlyAServerSends() {
        return Stream.of(
                Arguments.of("CONNACK", (Supplier<MqttMessage>) () -> MqttMessageBuilders.connAck()
                        .returnCode(MqttConnectReturnCode.CONNECTION_ACCEPTED).build()),
                Arguments.of("SUBACK", (Supplier<MqttMessage>) () -> MqttMessageBuilders.subAck()
                        .packetId((short) 1).addGrantedQos(MqttQoS.AT_LEAST_ONCE).build()),
                Arguments.of("PINGRESP", (Supplier<MqttMessage>) () -> new MqttMessage(
                        new MqttFixedHeader(MqttMessageType.PINGRESP, false, MqttQoS.AT_MOST_ONCE, false, 0))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("packetsOnlyAServerSends")
    void aPacketOnlyAServerSendsClosesTheConnection(String name, Supplier<MqttMessage> packet) {
        EmbeddedClient client = gateway.connect();
        client.connect("c1");

        client.send(packet.get());

        assertThat(client.received()).isEmpty();
        assertThat(client.isOpen()).isFalse();
        assertThat(gateway.registry.connectedCount()).isZero();
    }

    @Test
    void anIdleEventClosesTheConnectionBeforeConnect() {
        EmbeddedClient client = gateway.connect();

        client.channel().pipeline().fireUserEventTriggered(IdleStateEvent.FIRST_READER_IDLE_STATE_EVENT);

        assertThat(client.isOpen()).isFalse();
    }

    @Test
    void anIdleEventClosesTheConnectionAfterConnectAndEndsTheSession() {
        EmbeddedClient client = gateway.connect();
        client.connect("c1");
        Session session = client.session();

        client.channel().pipeline().fireUserEventTriggered(IdleStateEvent.READER_IDLE_STATE_EVENT);

        assertThat(client.isOpen()).isFalse();
        assertThat(session.closed()).isTrue();
        assertThat(gateway.registry.connectedCount()).isZero();
    }

    @Test
    void aSecondConnectClosesTheConnectionAndEndsTheSession() {
        EmbeddedClient client = gateway.connect();
        client.connect("c1");
        Session session = client.session();

        client.send(Packets.connect("c1", true, 60));

        assertThat(client.isOpen()).isFalse();
        assertThat(client.received()).isEmpty();
        assertThat(session.closed()).isTrue();
        assertThat(gateway.registry.connectedCount()).isZero();
    }

    @Test
    void aSecondConnectPipelinedBehindTheFirstClosesTheConnection() {
        EmbeddedClient client = gateway.connect();

        client.send(Packets.connect("c1", true, 60), Packets.connect("c1", true, 60));

        // (Whether the first CONNACK got out first is not checked: EmbeddedChannel.close() runs the
        // pending tasks, the CONNACK among them, before it closes; a real channel would not.)
        assertThat(client.isOpen()).isFalse();
        assertThat(gateway.registry.connectedCount()).isZero();
        // The claim was given back: a new claim displaces nobody.
        assertThat(gateway.meta.claimSession("c1", "probe").join().displaced()).isFalse();
    }

    @Test
    void emptyClientIdWithPersistentSessionIsRejectedWithIdentifierRejected() {
        EmbeddedClient client = gateway.connect();

        client.send(Packets.connect("", false, 60));

        MqttConnAckMessage connAck = client.receivedConnAck();
        assertThat(connAck.variableHeader().connectReturnCode())
                .isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED);
        assertThat(connAck.variableHeader().isSessionPresent()).isFalse();
        assertThat(client.isOpen()).isFalse();
        assertThat(gateway.registry.connectedCount()).isZero();
    }

    @Test
    void emptyClientIdWithCleanSessionIsAcceptedUnderAGeneratedId() {
        EmbeddedClient first = gateway.connect();
        EmbeddedClient second = gateway.connect();

        first.send(Packets.connect("", true, 60));
        second.send(Packets.connect("", true, 60));

        for (EmbeddedClient client : List.of(first, second)) {
            MqttConnAckMessage connAck = client.receivedConnAck();
            assertThat(connAck.variableHeader().connectReturnCode()).isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
            assertThat(client.isOpen()).isTrue();
            assertThat(client.session().clientId()).isNotEmpty();
        }
        // Two anonymous clients do not take each other over.
        assertThat(first.session().clientId()).isNotEqualTo(second.session().clientId());
        assertThat(gateway.registry.connectedCount()).isEqualTo(2);
    }

    @Test
    void aClientIdWithUPlus0000ClosesTheConnectionWithoutAcceptingIt() {
        EmbeddedClient client = gateway.connect();

        client.send(Packets.connect("bad\u0000id", true, 60));

        assertThat(client.received()).noneMatch(m -> m instanceof MqttConnAckMessage c
                && c.variableHeader().connectReturnCode() == MqttConnectReturnCode.CONNECTION_ACCEPTED);
        assertThat(client.isOpen()).isFalse();
        assertThat(gateway.registry.connectedCount()).isZero();
    }

    @Test
    void protocolLevel2IsRefusedWithUnacceptableProtocolVersion() {
        EmbeddedClient client = gateway.connect();
        ByteBuf connect = client.encode(Packets.connect("c1", true, 60));
        // Fixed header (2 bytes), protocol name "MQTT" (6 bytes), then the protocol level.
        assertThat(connect.getByte(8)).isEqualTo((byte) 4);
        connect.setByte(8, 2);

        client.sendBytes(connect);

        assertThat(client.receivedBytes()).containsExactly(0x20, 0x02, 0x00, 0x01);
        assertThat(client.isOpen()).isFalse();
        assertThat(gateway.registry.connectedCount()).isZero();
    }

    @Test
    void protocolLevel5IsRefusedWithUnacceptableProtocolVersion() {
        EmbeddedClient client = gateway.connect();

        client.send(Packets.connect(MqttVersion.MQTT_5, "c1", true, 60));

        // CONNACK, remaining length, flags, return code 0x01 (MQTT-3.1.2-2).
        byte[] bytes = client.receivedBytes();
        assertThat(bytes).hasSizeGreaterThanOrEqualTo(4);
        assertThat(bytes[0]).isEqualTo((byte) 0x20);
        assertThat(bytes[3]).isEqualTo((byte) 0x01);
        assertThat(client.isOpen()).isFalse();
        assertThat(gateway.registry.connectedCount()).isZero();
    }

    @Test
    void beforeConnectTheIdleHandlerEnforcesTheConnectTimeout() {
        EmbeddedClient client = gateway.connect();

        assertThat(client.channel().pipeline().names()).containsSubsequence(
                HandlerNames.IDLE, HandlerNames.IDLE_CLOSE, HandlerNames.DECODER, HandlerNames.ENCODER,
                HandlerNames.MALFORMED, HandlerNames.CONNECT, HandlerNames.PUBLISH, HandlerNames.SUBSCRIBE,
                HandlerNames.DELIVERY, HandlerNames.PING, HandlerNames.EXCEPTION);
        IdleStateHandler idle = (IdleStateHandler) client.channel().pipeline().get(HandlerNames.IDLE);
        assertThat(idle.getReaderIdleTimeInMillis()).isEqualTo(EmbeddedGateway.CONNECT_TIMEOUT_SECONDS * 1000L);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 10, 60, 65_535})
    void keepAliveReplacesTheConnectTimeoutWithOneAndAHalfTimesIt(int keepAlive) {
        EmbeddedClient client = gateway.connect();

        client.send(Packets.connect("c1", true, keepAlive));

        assertThat(client.receivedConnAck().variableHeader().connectReturnCode()).isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
        assertThat(client.channel().pipeline().names()).as("where the connect timeout's was")
                .containsSubsequence(HandlerNames.IDLE, HandlerNames.IDLE_CLOSE, HandlerNames.DECODER);
        IdleStateHandler idle = (IdleStateHandler) client.channel().pipeline().get(HandlerNames.IDLE);
        assertThat(idle.getReaderIdleTimeInMillis()).isEqualTo(keepAlive * 1500L);
        assertThat(idle.getWriterIdleTimeInMillis()).isZero();
        assertThat(idle.getAllIdleTimeInMillis()).isZero();
    }

    @Test
    void keepAliveZeroRemovesTheIdleHandler() {
        EmbeddedClient client = gateway.connect();

        client.send(Packets.connect("c1", true, 0));

        assertThat(client.receivedConnAck().variableHeader().connectReturnCode()).isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
        assertThat(client.channel().pipeline().get(HandlerNames.IDLE)).isNull();
        assertThat(client.channel().pipeline().get(HandlerNames.IDLE_CLOSE)).isNotNull();
        assertThat(client.isOpen()).isTrue();
    }

    @Test
    void packetsPipelinedBehindConnectAreProcessedAfterItInOrder() {
        EmbeddedClient client = gateway.connect();

        client.send(
                Packets.connect("c1", true, 60),
                Packets.subscribe(1, "p/t", MqttQoS.AT_LEAST_ONCE),
                Packets.publish("p/t", MqttQoS.AT_LEAST_ONCE, 2, "first"),
                Packets.publish("p/t", MqttQoS.AT_LEAST_ONCE, 3, "second"),
                Packets.pingReq());

        List<MqttMessage> replies = client.received();
        assertThat(replies).extracting(m -> m.fixedHeader().messageType()).first().isEqualTo(MqttMessageType.CONNACK);
        assertThat(replies).extracting(m -> m.fixedHeader().messageType()).containsExactlyInAnyOrder(
                MqttMessageType.CONNACK, MqttMessageType.SUBACK, MqttMessageType.PUBACK, MqttMessageType.PUBACK,
                MqttMessageType.PINGRESP);
        assertThat(replies).filteredOn(m -> m.fixedHeader().messageType() == MqttMessageType.PUBACK)
                .extracting(m -> ((MqttMessageIdVariableHeader) m.variableHeader()).messageId())
                .containsExactly(2, 3);
        // Stored in the order sent.
        PullBatch stored = gateway.store.pull(InMemoryMessageStore.BROKER, LmqNames.of("p/t"), 0, 10).join();
        assertThat(stored.messages()).extracting(m -> new String(m.payload())).containsExactly("first", "second");
        // The SUBSCRIBE was handled before the PUBLISHes: its subscription starts before their offsets.
        gateway.dispatch(new TopicEvent(InMemoryMessageStore.BROKER, "p/t", List.of(LmqNames.of("p/t")), List.of(1L)));
        client.runTasks();
        assertThat(client.received()).extracting(m -> Packets.payload((MqttPublishMessage) m)).containsExactly("first", "second");
    }

    @Test
    void theSameClientIdOnASecondConnectionClosesTheFirst() {
        EmbeddedClient first = gateway.connect();
        first.connect("c1");
        first.subscribe(1, "first/only", MqttQoS.AT_LEAST_ONCE);
        Session firstSession = first.session();
        EmbeddedClient second = gateway.connect();

        second.connect("c1");

        assertThat(first.isOpen()).isFalse();
        assertThat(firstSession.closed()).isTrue();
        assertThat(second.isOpen()).isTrue();
        assertThat(second.session().closed()).isFalse();
        assertThat(gateway.registry.connectedCount()).isEqualTo(1);
        // The displaced session's subscriptions are gone; the new session keeps the claim.
        assertThat(gateway.meta.nodesMatching("first/only")).isEmpty();
        assertThat(gateway.meta.claimSession("c1", "probe").join().previousNodeId()).isEqualTo(EmbeddedGateway.NODE_ID);
    }

    @Test
    void pingReqGetsPingResp() {
        EmbeddedClient client = gateway.connect();
        client.connect("c1");

        client.send(Packets.pingReq());

        assertThat(client.receivedOne(MqttMessageType.PINGRESP)).isNotNull();
        assertThat(client.isOpen()).isTrue();
    }

    @Test
    void disconnectClosesGracefullyAndReleasesTheSession() {
        EmbeddedClient client = gateway.connect();
        client.connect("c1");
        Session session = client.session();

        client.send(Packets.disconnect());

        assertThat(client.isOpen()).isFalse();
        assertThat(client.received()).isEmpty();
        assertThat(ConnectionContext.of(client.channel()).gracefulDisconnect()).isTrue();
        assertThat(session.closed()).isTrue();
        assertThat(gateway.registry.connectedCount()).isZero();
        assertThat(gateway.meta.claimSession("c1", "probe").join().displaced()).isFalse();
    }

    @Test
    void closingTheConnectionWithoutDisconnectIsNotGraceful() {
        EmbeddedClient client = gateway.connect();
        client.connect("c1");

        client.channel().close();

        assertThat(ConnectionContext.of(client.channel()).gracefulDisconnect()).isFalse();
        assertThat(ConnectionContext.of(client.channel()).state()).isEqualTo(ConnectionContext.State.CLOSED);
        assertThat(gateway.registry.connectedCount()).isZero();
    }
}
