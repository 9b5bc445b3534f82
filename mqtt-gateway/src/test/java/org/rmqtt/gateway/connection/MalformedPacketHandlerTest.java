package org.rmqtt.gateway.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttMessageType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.rmqtt.gateway.server.EmbeddedClient;
import org.rmqtt.gateway.server.EmbeddedGateway;

/** What codec-mqtt 4.1 lets through and the gateway still closes, each counted by reason. */
class MalformedPacketHandlerTest {
    private final EmbeddedGateway gateway = new EmbeddedGateway();

    @AfterEach
    void close() {
        gateway.close();
    }

    private static byte[] connect(String name, int level, int flags) {
        byte[] n = name.getBytes();
        byte[] packet = new byte[2 + 2 + n.length + 4 + 3];
        int i = 0;
        packet[i++] = 0x10;
        packet[i++] = (byte) (packet.length - 2);
        packet[i++] = 0;
        packet[i++] = (byte) n.length;
        for (byte b : n) {
            packet[i++] = b;
        }
        packet[i++] = (byte) level;
        packet[i++] = (byte) flags;
        packet[i++] = 0;
        packet[i++] = 60;
        packet[i++] = 0;
        packet[i++] = 1;
        packet[i] = 'c';
        return packet;
    }

    private void send(EmbeddedClient client, int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) bytes[i];
        }
        client.sendBytes(Unpooled.wrappedBuffer(b));
    }

    @Test
    void aKnownLevelWithTheOtherProtocolNameClosesWithoutConnack() {
        EmbeddedClient client = gateway.connect();

        client.sendBytes(Unpooled.wrappedBuffer(connect("MQIsdp", 4, 0x02)));

        assertThat(client.received()).isEmpty();
        assertThat(client.isOpen()).isFalse();
        assertThat(gateway.violations.count(Violation.PROTOCOL_NAME)).isEqualTo(1);
    }

    @Test
    void anUnknownLevelGetsConnack01ThenClose() {
        EmbeddedClient client = gateway.connect();

        client.sendBytes(Unpooled.wrappedBuffer(connect("MQTT", 6, 0x02)));

        MqttConnAckMessage connAck = client.receivedConnAck();
        assertThat(connAck.variableHeader().connectReturnCode())
                .isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_UNACCEPTABLE_PROTOCOL_VERSION);
        assertThat(client.isOpen()).isFalse();
        assertThat(gateway.violations.count(Violation.PROTOCOL_LEVEL)).isEqualTo(1);
    }

    @Test
    void willFlagsWithoutAWillClose() {
        EmbeddedClient client = gateway.connect();

        client.sendBytes(Unpooled.wrappedBuffer(connect("MQTT", 4, 0x22))); // will retain, no will flag

        assertThat(client.received()).isEmpty();
        assertThat(client.isOpen()).isFalse();
        assertThat(gateway.violations.count(Violation.CONNECT_FLAGS)).isEqualTo(1);
    }

    @Test
    void anAcknowledgementLongerThanItsPacketIdCloses() {
        EmbeddedClient client = gateway.connect();
        client.connect("c1");

        send(client, 0x40, 0x03, 0x00, 0x01, 0x00);

        assertThat(client.received()).isEmpty();
        assertThat(client.isOpen()).isFalse();
        assertThat(gateway.violations.count(Violation.REMAINING_LENGTH)).isEqualTo(1);
    }

    @Test
    void illFormedUtf8InATopicCloses() {
        EmbeddedClient client = gateway.connect();
        client.connect("c1");

        send(client, 0x30, 0x05, 0x00, 0x02, 0xC0, 0x80, 'x');

        assertThat(client.received()).isEmpty();
        assertThat(client.isOpen()).isFalse();
        assertThat(gateway.violations.count(Violation.INVALID_UTF8)).isEqualTo(1);
    }

    @Test
    void reservedFixedHeaderFlagsAreCountedAsSuch() {
        EmbeddedClient client = gateway.connect();
        client.connect("c1");

        send(client, 0xC1, 0x00);

        assertThat(client.isOpen()).isFalse();
        assertThat(gateway.violations.count(Violation.RESERVED_FLAGS)).isEqualTo(1);
        assertThat(gateway.violations.snapshot().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(1);
    }

    @Test
    void aWellFormedPacketPassesUntouched() {
        EmbeddedClient client = gateway.connect();
        client.connect("c1");

        send(client, 0xC0, 0x00);

        client.receivedOne(MqttMessageType.PINGRESP);
        assertThat(client.isOpen()).isTrue();
        assertThat(gateway.violations.snapshot().values()).containsOnly(0L);
    }
}
