package org.rmqtt.gateway.will;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectPayload;
import io.netty.handler.codec.mqtt.MqttConnectVariableHeader;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttQoS;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.rmqtt.common.mapping.LmqNames;
import org.rmqtt.gateway.server.EmbeddedClient;
import org.rmqtt.gateway.server.EmbeddedGateway;
import org.rmqtt.gateway.server.Packets;
import org.rmqtt.meta.GatewayNode;
import org.rmqtt.meta.RetainedMessage;
import org.rmqtt.meta.WillMessage;
import org.rmqtt.store.StoredMessage;
import org.rmqtt.store.memory.InMemoryMessageStore;

/** Wills on the in-memory ports: kept in meta while connected, published unless the client said DISCONNECT. */
class WillsTest {
    private final EmbeddedGateway gateway = new EmbeddedGateway();

    @AfterEach
    void close() {
        gateway.close();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private List<StoredMessage> stored(String topic) {
        return gateway.store.pull(InMemoryMessageStore.BROKER, LmqNames.of(topic), 0, 100).join().messages();
    }

    private EmbeddedClient connectWithWill(String clientId, String topic, String payload, MqttQoS qos, boolean retain) {
        EmbeddedClient c = gateway.connect();
        c.send(Packets.connectWithWill(clientId, topic, bytes(payload), qos, retain));
        assertThat(c.receivedConnAck().variableHeader().connectReturnCode().byteValue()).isZero();
        return c;
    }

    /** What a dead gateway would leave: the wills this node stored in meta, taken as another node would. */
    private List<WillMessage> willsInMeta() {
        gateway.meta.leave(EmbeddedGateway.NODE_ID).join();
        return gateway.meta.takeWills(EmbeddedGateway.NODE_ID).join();
    }

    @Test
    void aConnectionLostWithoutDisconnectPublishesTheWillAtItsQos() throws Exception {
        EmbeddedClient c = connectWithWill("w1", "status/w1", "gone", MqttQoS.AT_LEAST_ONCE, false);
        c.channel().close().sync();
        assertThat(stored("status/w1")).singleElement().satisfies(m -> {
            assertThat(new String(m.payload(), StandardCharsets.UTF_8)).isEqualTo("gone");
            assertThat(m.qos()).isEqualTo(1);
            assertThat(m.retain()).isFalse();
        });
        assertThat(willsInMeta()).as("cleared after publishing").isEmpty();
    }

    @Test
    void aWillToADollarTopicIsDroppedLikeADevicePublishToOne() throws Exception {
        EmbeddedClient c = connectWithWill("w0", "$internal/w0", "gone", MqttQoS.AT_LEAST_ONCE, false);
        c.channel().close().sync();
        assertThat(stored("$internal/w0")).isEmpty();
        assertThat(willsInMeta()).as("cleared all the same").isEmpty();
    }

    @Test
    void disconnectDiscardsTheWill() throws Exception {
        EmbeddedClient c = connectWithWill("w2", "status/w2", "gone", MqttQoS.AT_MOST_ONCE, false);
        c.send(Packets.disconnect());
        assertThat(c.isOpen()).isFalse();
        assertThat(stored("status/w2")).isEmpty();
        assertThat(willsInMeta()).isEmpty();
    }

    @Test
    void theWillIsInMetaWhileTheClientIsConnected() {
        connectWithWill("w3", "status/w3", "bye", MqttQoS.EXACTLY_ONCE, true);
        assertThat(willsInMeta()).containsExactly(new WillMessage("w3", "status/w3", bytes("bye"), 2, true));
    }

    @Test
    void aRetainedWillBecomesTheTopicsRetainedMessage() throws Exception {
        EmbeddedClient c = connectWithWill("w4", "status/w4", "offline", MqttQoS.AT_LEAST_ONCE, true);
        c.channel().close().sync();
        assertThat(gateway.meta.retained("status/w4").join())
                .containsExactly(new RetainedMessage("status/w4", bytes("offline"), 1));
        assertThat(stored("status/w4")).singleElement().satisfies(m -> assertThat(m.retain()).isTrue());
    }

    @Test
    void aProtocolViolationPublishesTheWill() {
        EmbeddedClient c = connectWithWill("w5", "status/w5", "broken", MqttQoS.AT_MOST_ONCE, false);
        c.send(Packets.publish("bad/+", MqttQoS.AT_MOST_ONCE, 0, "x")); // a wildcard in a topic name
        assertThat(c.isOpen()).isFalse();
        assertThat(stored("status/w5")).hasSize(1);
    }

    @Test
    void aTakeoverPublishesTheWillOfTheOldConnection() {
        EmbeddedClient old = connectWithWill("w6", "status/w6", "replaced", MqttQoS.AT_MOST_ONCE, false);
        EmbeddedClient again = gateway.connect();
        again.connect("w6");
        old.runTasks();
        assertThat(old.isOpen()).isFalse();
        assertThat(stored("status/w6")).extracting(m -> new String(m.payload(), StandardCharsets.UTF_8))
                .containsExactly("replaced");
    }

    @Test
    void willsLeftInMetaByADeadNodeArePublishedOnceByTheNodeThatNoticesIt() {
        GatewayNode dead = new GatewayNode("dead", "127.0.0.1:2", "127.0.0.1:3");
        gateway.meta.heartbeat(dead).join();
        gateway.meta.storeWill("dead", 1, new WillMessage("d1", "status/d1", bytes("x"), 0, false)).join();
        gateway.wills.collectOrphans(); // sees "dead" live
        assertThat(stored("status/d1")).isEmpty();

        gateway.meta.leave("dead").join();
        gateway.wills.collectOrphans();
        gateway.wills.collectOrphans();
        assertThat(stored("status/d1")).hasSize(1);
    }

    @Test
    void aRestartPublishesTheWillsTheLastRunLeft() {
        gateway.meta.storeWill(EmbeddedGateway.NODE_ID, 1, new WillMessage("r1", "status/r1", bytes("x"), 1, false)).join();
        gateway.wills.publishLeftBehind().join();
        assertThat(stored("status/r1")).hasSize(1);
    }

    @Test
    void willFlagsWithoutAWillCloseTheConnection() {
        MqttConnectVariableHeader header = new MqttConnectVariableHeader("MQTT", 4, false, false, true, 1, false, true, 60);
        MqttConnectMessage connect = new MqttConnectMessage(
                new MqttFixedHeader(MqttMessageType.CONNECT, false, MqttQoS.AT_MOST_ONCE, false, 0), header,
                new MqttConnectPayload("bad-will", null, (byte[]) null, null, (byte[]) null));
        EmbeddedClient c = gateway.connect();
        c.send(connect);
        assertThat(c.isOpen()).isFalse();
        assertThat(c.received()).isEmpty();
    }

    @Test
    void aWillTopicWithAWildcardClosesTheConnection() {
        EmbeddedClient c = gateway.connect();
        c.send(Packets.connectWithWill("bad-topic", "status/#", bytes("x"), MqttQoS.AT_MOST_ONCE, false));
        assertThat(c.isOpen()).isFalse();
        assertThat(c.received()).isEmpty();
    }
}
