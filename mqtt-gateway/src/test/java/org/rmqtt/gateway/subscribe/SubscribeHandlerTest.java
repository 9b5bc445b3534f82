package org.rmqtt.gateway.subscribe;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttSubscribePayload;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import io.netty.handler.codec.mqtt.MqttUnsubscribePayload;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.rmqtt.gateway.connection.Violation;
import org.rmqtt.gateway.server.EmbeddedClient;
import org.rmqtt.gateway.server.EmbeddedGateway;
import org.rmqtt.gateway.server.Packets;

class SubscribeHandlerTest {
    private static final String NODE = EmbeddedGateway.NODE_ID;

    private final EmbeddedGateway gateway = new EmbeddedGateway();
    private EmbeddedClient client;

    @BeforeEach
    void connect() {
        client = gateway.connect();
        client.connect("sub");
    }

    @AfterEach
    void close() {
        gateway.close();
    }

    @Test
    void subAckGrantsTheRequestedQosOfEachFilterInOrder() {
        client.send(MqttMessageBuilders.subscribe().messageId(5)
                .addSubscription(MqttQoS.EXACTLY_ONCE, "q/2")
                .addSubscription(MqttQoS.AT_MOST_ONCE, "q/0")
                .addSubscription(MqttQoS.AT_LEAST_ONCE, "q/+")
                .build());

        MqttSubAckMessage subAck = (MqttSubAckMessage) client.receivedOne(MqttMessageType.SUBACK);
        assertThat(subAck.variableHeader().messageId()).isEqualTo(5);
        assertThat(subAck.payload().grantedQoSLevels()).containsExactly(2, 0, 1);
        assertThat(client.session().filters()).containsExactlyInAnyOrder("q/2", "q/0", "q/+");
        assertThat(gateway.meta.nodesMatching("q/0")).containsExactly(NODE);
        assertThat(gateway.meta.matchingWildcardFilters("q/7")).containsExactly("q/+");
    }

    @Test
    void requestedQos3IsAMalformedPacket() {
        ByteBuf subscribe = client.encode(Packets.subscribe(1, "q/3", MqttQoS.AT_LEAST_ONCE));
        // The last byte is the requested QoS of the only filter.
        subscribe.setByte(subscribe.writerIndex() - 1, 3);

        client.sendBytes(subscribe);

        assertThat(client.received()).isEmpty();
        assertThat(client.isOpen()).isFalse();
        assertThat(gateway.meta.nodesMatching("q/3")).isEmpty();
    }

    @Test
    void reservedBitsInTheRequestedQosByteAreAMalformedPacket() {
        ByteBuf subscribe = client.encode(Packets.subscribe(1, "q/r", MqttQoS.AT_LEAST_ONCE));
        // QoS 1 plus bit 2 (MQTT 5's No Local), which MQTT 3.1.1 reserves.
        subscribe.setByte(subscribe.writerIndex() - 1, 0x05);

        client.sendBytes(subscribe);

        assertThat(client.received()).isEmpty();
        assertThat(client.isOpen()).isFalse();
        assertThat(gateway.meta.nodesMatching("q/r")).isEmpty();
    }

    @Test
    void subscribingAgainReplacesTheGrantedQos() {
        client.subscribe(1, "again/x", MqttQoS.AT_MOST_ONCE);

        MqttSubAckMessage subAck = client.subscribe(2, "again/x", MqttQoS.EXACTLY_ONCE);

        assertThat(subAck.variableHeader().messageId()).isEqualTo(2);
        assertThat(subAck.payload().grantedQoSLevels()).containsExactly(2);
        assertThat(client.session().filters()).containsExactly("again/x");
        assertThat(gateway.index.filterCount()).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a/#/b", "a+", "a/b#", "#/a", "+a/b", ""})
    void anInvalidFilterIsRefusedWith0x80(String filter) {
        MqttSubAckMessage subAck = client.subscribe(1, filter, MqttQoS.AT_LEAST_ONCE);

        assertThat(subAck.payload().reasonCodes()).containsExactly(0x80);
        assertThat(client.isOpen()).isTrue();
        assertThat(gateway.index.filterCount()).isZero();
    }

    @Test
    void aFilterWithU0000ClosesTheConnection() {
        client.send(Packets.subscribe(1, "a/\u0000", MqttQoS.AT_LEAST_ONCE));

        assertThat(client.received()).isEmpty();
        assertThat(client.isOpen()).isFalse();
        assertThat(gateway.violations.count(Violation.INVALID_UTF8)).isEqualTo(1);
    }

    @Test
    void refusedFiltersGet0x80AndTheOthersOfTheSameSubscribeAreGranted() {
        client.send(MqttMessageBuilders.subscribe().messageId(1)
                .addSubscription(MqttQoS.AT_LEAST_ONCE, "ok/1")
                .addSubscription(MqttQoS.AT_LEAST_ONCE, "a/#/b")
                .addSubscription(MqttQoS.EXACTLY_ONCE, EmbeddedGateway.DENIED_FILTER)
                .addSubscription(MqttQoS.EXACTLY_ONCE, "ok/2")
                .build());

        MqttSubAckMessage subAck = (MqttSubAckMessage) client.receivedOne(MqttMessageType.SUBACK);
        assertThat(subAck.payload().reasonCodes()).containsExactly(1, 0x80, 0x80, 2);
        assertThat(client.session().filters()).containsExactlyInAnyOrder("ok/1", "ok/2");
        assertThat(gateway.meta.nodesMatching("ok/1")).containsExactly(NODE);
    }

    @Test
    void filtersOverTheSessionLimitAreRefusedButResubscribingAHeldOneIsNot() {
        for (int i = 0; i < EmbeddedGateway.MAX_SUBSCRIPTIONS; i++) {
            client.subscribe(i + 1, "many/" + i, MqttQoS.AT_MOST_ONCE);
        }

        client.send(MqttMessageBuilders.subscribe().messageId(1000)
                .addSubscription(MqttQoS.AT_LEAST_ONCE, "many/0")
                .addSubscription(MqttQoS.AT_LEAST_ONCE, "one/too/many")
                .build());
        MqttSubAckMessage subAck = (MqttSubAckMessage) client.receivedOne(MqttMessageType.SUBACK);

        assertThat(subAck.payload().reasonCodes()).containsExactly(1, 0x80);
        assertThat(client.session().subscriptionCount()).isEqualTo(EmbeddedGateway.MAX_SUBSCRIPTIONS);
        assertThat(client.isOpen()).isTrue();
    }

    @Test
    void subscribeWithoutFiltersClosesTheConnection() {
        client.send(new MqttSubscribeMessage(
                new MqttFixedHeader(MqttMessageType.SUBSCRIBE, false, MqttQoS.AT_LEAST_ONCE, false, 0),
                MqttMessageIdVariableHeader.from(1), new MqttSubscribePayload(List.of())));

        assertThat(client.received()).isEmpty();
        assertThat(client.isOpen()).isFalse();
    }

    @Test
    void unsubscribeWithoutFiltersClosesTheConnection() {
        client.send(new MqttUnsubscribeMessage(
                new MqttFixedHeader(MqttMessageType.UNSUBSCRIBE, false, MqttQoS.AT_LEAST_ONCE, false, 0),
                MqttMessageIdVariableHeader.from(1), new MqttUnsubscribePayload(List.of())));

        assertThat(client.received()).isEmpty();
        assertThat(client.isOpen()).isFalse();
    }

    @Test
    void unsubscribeAcknowledgesAndTheMetaNoLongerListsThisNode() {
        client.subscribe(1, "u/1", MqttQoS.AT_LEAST_ONCE);
        client.subscribe(2, "w/+", MqttQoS.AT_LEAST_ONCE);
        assertThat(gateway.meta.nodesMatching("u/1")).containsExactly(NODE);
        assertThat(gateway.meta.nodesMatching("w/x")).containsExactly(NODE);

        client.send(Packets.unsubscribe(7, "u/1", "w/+"));

        MqttMessageIdVariableHeader id = (MqttMessageIdVariableHeader) client.receivedOne(MqttMessageType.UNSUBACK).variableHeader();
        assertThat(id.messageId()).isEqualTo(7);
        assertThat(gateway.meta.nodesMatching("u/1")).isEmpty();
        assertThat(gateway.meta.nodesMatching("w/x")).isEmpty();
        assertThat(gateway.meta.matchingWildcardFilters("w/x")).isEmpty();
        assertThat(client.session().filters()).isEmpty();
        assertThat(gateway.index.filterCount()).isZero();
    }

    @Test
    void unsubscribeOfAFilterNotSubscribedIsStillAcknowledged() {
        client.subscribe(1, "keep/1", MqttQoS.AT_LEAST_ONCE);

        client.send(Packets.unsubscribe(8, "never/subscribed"));

        MqttMessageIdVariableHeader id = (MqttMessageIdVariableHeader) client.receivedOne(MqttMessageType.UNSUBACK).variableHeader();
        assertThat(id.messageId()).isEqualTo(8);
        assertThat(client.session().filters()).containsExactly("keep/1");
        assertThat(gateway.meta.nodesMatching("keep/1")).containsExactly(NODE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a/#/b", "a+", ""})
    void unsubscribeOfAnInvalidFilterClosesTheConnection(String filter) {
        client.subscribe(1, "keep/1", MqttQoS.AT_LEAST_ONCE);

        client.send(Packets.unsubscribe(2, filter));

        assertThat(client.received()).isEmpty();
        assertThat(client.isOpen()).isFalse();
    }

    @Test
    void unsubscribeThenSubscribeAgainInOneReadLeavesTheFilterInTheMeta() {
        client.subscribe(1, "re/1", MqttQoS.AT_LEAST_ONCE);

        client.send(Packets.unsubscribe(2, "re/1"), Packets.subscribe(3, "re/1", MqttQoS.AT_MOST_ONCE));

        assertThat(client.received()).extracting(m -> m.fixedHeader().messageType())
                .containsExactly(MqttMessageType.UNSUBACK, MqttMessageType.SUBACK);
        assertThat(client.session().filters()).containsExactly("re/1");
        assertThat(gateway.meta.nodesMatching("re/1")).containsExactly(NODE);
    }

    @Test
    void whenTheConnectionClosesItsFiltersLeaveTheMeta() {
        client.subscribe(1, "x/1", MqttQoS.AT_LEAST_ONCE);
        client.subscribe(2, "x/+", MqttQoS.AT_LEAST_ONCE);
        client.subscribe(3, "#", MqttQoS.AT_MOST_ONCE);

        client.channel().close();

        assertThat(gateway.meta.nodesMatching("x/1")).isEmpty();
        assertThat(gateway.meta.matchingWildcardFilters("x/1")).isEmpty();
        assertThat(gateway.index.filterCount()).isZero();
    }

    @Test
    void aFilterStaysInTheMetaWhileAnotherSessionOfThisNodeHoldsIt() {
        EmbeddedClient other = gateway.connect();
        other.connect("other");
        client.subscribe(1, "shared/1", MqttQoS.AT_LEAST_ONCE);
        other.subscribe(1, "shared/1", MqttQoS.AT_LEAST_ONCE);

        client.send(Packets.unsubscribe(2, "shared/1"));

        assertThat(gateway.meta.nodesMatching("shared/1")).containsExactly(NODE);
        other.channel().close();
        assertThat(gateway.meta.nodesMatching("shared/1")).isEmpty();
    }
}
