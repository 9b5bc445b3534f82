package org.rmqtt.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** MQTT 3.1.1 packets a client sends. */
public final class Packets {
    private Packets() {
    }

    public static MqttConnectMessage connect(String clientId, boolean cleanSession, int keepAliveSeconds) {
        return connect(MqttVersion.MQTT_3_1_1, clientId, cleanSession, keepAliveSeconds);
    }

    public static MqttConnectMessage connect(MqttVersion version, String clientId, boolean cleanSession, int keepAliveSeconds) {
        return MqttMessageBuilders.connect().protocolVersion(version).clientId(clientId)
                .cleanSession(cleanSession).keepAlive(keepAliveSeconds).build();
    }

    public static MqttPublishMessage publish(String topic, MqttQoS qos, int packetId, String payload) {
        return MqttMessageBuilders.publish().topicName(topic).qos(qos).messageId(packetId).retained(false)
                .payload(Unpooled.copiedBuffer(payload, StandardCharsets.UTF_8)).build();
    }

    /** A PUBLISH with the RETAIN flag set. */
    public static MqttPublishMessage publishRetained(String topic, MqttQoS qos, int packetId, byte[] payload) {
        return MqttMessageBuilders.publish().topicName(topic).qos(qos).messageId(packetId).retained(true)
                .payload(Unpooled.copiedBuffer(payload)).build();
    }

    /** A clean-session CONNECT with a will. */
    public static MqttConnectMessage connectWithWill(String clientId, String willTopic, byte[] willPayload, MqttQoS willQos,
                                                     boolean willRetain) {
        return MqttMessageBuilders.connect().protocolVersion(MqttVersion.MQTT_3_1_1).clientId(clientId).cleanSession(true)
                .keepAlive(60).willFlag(true).willTopic(willTopic).willMessage(willPayload).willQoS(willQos)
                .willRetain(willRetain).build();
    }

    /** A PUBLISH with the DUP flag set, as a client resends one that was not acknowledged. */
    public static MqttPublishMessage publishDup(String topic, MqttQoS qos, int packetId, String payload) {
        return new MqttPublishMessage(new MqttFixedHeader(MqttMessageType.PUBLISH, true, qos, false, 0),
                new MqttPublishVariableHeader(topic, packetId), Unpooled.copiedBuffer(payload, StandardCharsets.UTF_8));
    }

    public static MqttSubscribeMessage subscribe(int packetId, String filter, MqttQoS qos) {
        return MqttMessageBuilders.subscribe().messageId(packetId).addSubscription(qos, filter).build();
    }

    public static MqttUnsubscribeMessage unsubscribe(int packetId, String... filters) {
        MqttMessageBuilders.UnsubscribeBuilder b = MqttMessageBuilders.unsubscribe().messageId(packetId);
        for (String f : filters) {
            b.addTopicFilter(f);
        }
        return b.build();
    }

    /** PUBACK, PUBREC, PUBREL or PUBCOMP. */
    public static MqttMessage ack(MqttMessageType type, int packetId) {
        MqttQoS qos = type == MqttMessageType.PUBREL ? MqttQoS.AT_LEAST_ONCE : MqttQoS.AT_MOST_ONCE;
        return new MqttMessage(new MqttFixedHeader(type, false, qos, false, 0), MqttMessageIdVariableHeader.from(packetId));
    }

    public static MqttMessage pingReq() {
        return new MqttMessage(new MqttFixedHeader(MqttMessageType.PINGREQ, false, MqttQoS.AT_MOST_ONCE, false, 0));
    }

    public static MqttMessage disconnect() {
        return new MqttMessage(new MqttFixedHeader(MqttMessageType.DISCONNECT, false, MqttQoS.AT_MOST_ONCE, false, 0));
    }

    /** {@code messages}, which must all be PUBLISH packets. */
    public static List<MqttPublishMessage> publishes(List<MqttMessage> messages) {
        assertThat(messages).allSatisfy(m -> assertThat(m.fixedHeader().messageType()).isEqualTo(MqttMessageType.PUBLISH));
        return messages.stream().map(MqttPublishMessage.class::cast).toList();
    }

    public static String payload(MqttPublishMessage m) {
        return m.payload().toString(StandardCharsets.UTF_8);
    }
}
