package org.rmqtt.gateway.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttQoS;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rmqtt.common.health.Counters;
import org.rmqtt.gateway.Gateway;
import org.rmqtt.gateway.MqttTestClient;
import org.rmqtt.gateway.TestGateways;
import org.rmqtt.gateway.connection.Violation;
import org.rmqtt.gateway.server.Packets;

/**
 * The limits with real clients on real sockets. Two gateways: one counts connections per address
 * and checks topics; the other throttles publishers and closes slow readers.
 */
class LimitsIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int PER_IP = 3;
    private static Gateway counting;
    private static Gateway flowing;

    @BeforeAll
    static void start() {
        counting = TestGateways.start(Map.of("limits.maxConnectionsPerIp", Integer.toString(PER_IP),
                "limits.maxTopicLength", "64", "limits.maxTopicLevels", "4"));
        flowing = TestGateways.start(Map.of("limits.publishRatePerClient", "1000", "limits.publishBurstPerClient", "50",
                "limits.slowReaderTimeout", "1s"));
    }

    @AfterAll
    static void stop() {
        if (counting != null) {
            counting.close();
        }
        if (flowing != null) {
            flowing.close();
        }
    }

    @Test
    void theConnectionOverThePerAddressLimitIsRefusedAndTheOthersAreServed() throws Exception {
        Raw[] held = new Raw[PER_IP];
        try {
            for (int i = 0; i < PER_IP; i++) {
                // Connections of earlier tests may still be closing on the server side.
                held[i] = await().atMost(WAIT).ignoreExceptions().until(() -> Raw.connected(counting, "ip-" + UUID.randomUUID()), r -> r != null);
            }
            try (Raw extra = new Raw(counting)) {
                try {
                    extra.send(Packets.connect("ip-extra", true, 60));
                } catch (SocketException closedAlready) {
                    // refused before the CONNECT was written: what is asserted below
                }
                assertThat(extra.read()).as("closed at accept, no CONNACK").isNull();
            }
            assertThat(counting.violations().count(Violation.MAX_CONNECTIONS_PER_IP)).isGreaterThanOrEqualTo(1);
            for (Raw r : held) {
                r.send(Packets.pingReq());
                assertThat(r.read()[0] & 0xF0).as("the others are still served").isEqualTo(0xD0);
            }
            held[0].close();
            held[0] = await().atMost(WAIT).ignoreExceptions().until(() -> Raw.connected(counting, "ip-again"), r -> r != null);
        } finally {
            for (Raw r : held) {
                if (r != null) {
                    r.close();
                }
            }
        }
    }

    @Test
    void topicsOverTheLimitsCloseAPublisherAndGetSubscribe0x80() throws Exception {
        Raw subscriber = await().atMost(WAIT).ignoreExceptions().until(() -> Raw.connected(counting, "topics-s"), r -> r != null);
        try (subscriber) {
            subscriber.send(MqttMessageBuilders.subscribe().messageId(1)
                    .addSubscription(MqttQoS.AT_LEAST_ONCE, "ok/+/c")
                    .addSubscription(MqttQoS.AT_LEAST_ONCE, "a/b/c/d/e")
                    .build());
            byte[] subAck = subscriber.read();
            assertThat(subAck[0] & 0xF0).isEqualTo(0x90);
            assertThat(new int[] {subAck[subAck.length - 2] & 0xFF, subAck[subAck.length - 1] & 0xFF}).containsExactly(1, 0x80);
        }
        Raw publisher = await().atMost(WAIT).ignoreExceptions().until(() -> Raw.connected(counting, "topics-p"), r -> r != null);
        try (publisher) {
            publisher.send(Packets.publish("t/" + "x".repeat(70), MqttQoS.AT_LEAST_ONCE, 1, "too long"));
            assertThat(publisher.read()).as("closed without PUBACK").isNull();
        }
        assertThat(counting.violations().count(Violation.TOPIC_LIMIT)).isGreaterThanOrEqualTo(1);
    }

    @Test
    void aPublisherOverItsRateIsSlowedDownAndLosesNothing() throws Exception {
        int count = 200;
        String topic = "rate/" + UUID.randomUUID();
        long throttledBefore = flowing.counters().get(Counters.Name.PUBLISH_THROTTLED);
        try (MqttTestClient subscriber = new MqttTestClient(flowing.mqttPort());
             Raw publisher = Raw.connected(flowing, "rate-p")) {
            subscriber.subscribe(topic, 1);
            // All in one burst (a single read), far over 1000/s: the gateway stops reading, the socket buffers fill.
            MqttMessage[] burst = new MqttMessage[count];
            for (int i = 0; i < count; i++) {
                burst[i] = Packets.publish(topic, MqttQoS.AT_LEAST_ONCE, i + 1, "m" + i);
            }
            publisher.send(burst);
            Set<Integer> acked = new HashSet<>();
            while (acked.size() < count) {
                byte[] packet = publisher.read();
                assertThat(packet).as("connection stays open; %s acknowledged so far", acked.size()).isNotNull();
                assertThat(packet[0] & 0xF0).isEqualTo(0x40);
                acked.add((packet[2] & 0xFF) << 8 | packet[3] & 0xFF);
            }
            List<MqttTestClient.Received> got = subscriber.collect(topic, count, WAIT);
            assertThat(got).extracting(MqttTestClient.Received::payload)
                    .containsExactlyElementsOf(java.util.stream.IntStream.range(0, count).mapToObj(i -> "m" + i).toList());
        }
        assertThat(flowing.counters().get(Counters.Name.PUBLISH_THROTTLED)).isGreaterThan(throttledBefore);
    }

    @Test
    void aSubscriberThatDoesNotReadIsClosedWhileAnotherKeepsReceiving() throws Exception {
        // More than the kernel's socket buffers take (they grow to a few MB on loopback).
        int count = 400;
        String topic = "slow/" + UUID.randomUUID();
        String payload = "p".repeat(16 * 1024);
        long before = flowing.violations().count(Violation.SLOW_READER);
        try (Raw stalled = Raw.connected(flowing, "slow-s", 4096);
             MqttTestClient reader = new MqttTestClient(flowing.mqttPort());
             MqttTestClient publisher = new MqttTestClient(flowing.mqttPort())) {
            stalled.send(MqttMessageBuilders.subscribe().messageId(1).addSubscription(MqttQoS.AT_MOST_ONCE, topic).build());
            assertThat(stalled.read()[0] & 0xF0).as("SUBACK").isEqualTo(0x90);
            reader.subscribe(topic, 1);
            // From here on the stalled client reads nothing.
            for (int i = 0; i < count; i++) {
                publisher.publish(topic, i + ":" + payload, 1);
            }
            await().atMost(WAIT).ignoreExceptions().until(() -> flowing.violations().count(Violation.SLOW_READER) > before);
            List<MqttTestClient.Received> got = reader.collect(topic, count, WAIT);
            assertThat(got).hasSize(count);
            assertThat(reader.isConnected()).isTrue();
        }
    }

    /** A client on a plain socket: sends what Netty's encoder makes, reads whole packets. */
    private static final class Raw implements AutoCloseable {
        private static final EmbeddedChannel ENCODER = new EmbeddedChannel(MqttEncoder.INSTANCE);
        private final Socket socket;
        private final DataInputStream in;

        Raw(Gateway gateway) throws IOException {
            this(gateway, 0);
        }

        Raw(Gateway gateway, int receiveBuffer) throws IOException {
            socket = new Socket();
            if (receiveBuffer > 0) {
                socket.setReceiveBufferSize(receiveBuffer);
            }
            socket.setSoTimeout((int) WAIT.toMillis());
            socket.connect(new InetSocketAddress("127.0.0.1", gateway.mqttPort()));
            in = new DataInputStream(socket.getInputStream());
        }

        /** Connected with CONNACK 0x00, or null when the gateway closed the connection. */
        static Raw connected(Gateway gateway, String clientId) throws IOException {
            return connected(gateway, clientId, 0);
        }

        static Raw connected(Gateway gateway, String clientId, int receiveBuffer) throws IOException {
            Raw raw = new Raw(gateway, receiveBuffer);
            raw.send(Packets.connect(clientId, true, 60));
            byte[] connAck = raw.read();
            if (connAck == null) {
                raw.close();
                return null;
            }
            assertThat(connAck).containsExactly(0x20, 2, 0, 0);
            return raw;
        }

        void send(MqttMessage... packets) throws IOException {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            synchronized (ENCODER) {
                for (MqttMessage packet : packets) {
                    ENCODER.writeOutbound(packet);
                    for (ByteBuf b; (b = ENCODER.readOutbound()) != null; ) {
                        out.write(ByteBufUtil.getBytes(b));
                        b.release();
                    }
                }
            }
            socket.getOutputStream().write(out.toByteArray());
            socket.getOutputStream().flush();
        }

        /** One whole packet, header included; null when the gateway closed the connection. */
        byte[] read() throws IOException {
            try {
                int header = in.read();
                if (header < 0) {
                    return null;
                }
                ByteArrayOutputStream packet = new ByteArrayOutputStream();
                packet.write(header);
                int length = 0;
                for (int shift = 0; ; shift += 7) {
                    int digit = in.readUnsignedByte();
                    packet.write(digit);
                    length |= (digit & 0x7F) << shift;
                    if ((digit & 0x80) == 0) {
                        break;
                    }
                }
                byte[] body = new byte[length];
                in.readFully(body);
                packet.write(body);
                return packet.toByteArray();
            } catch (SocketException e) {
                return null; // reset by the gateway
            } catch (SocketTimeoutException e) {
                throw new AssertionError("no packet and no close within " + WAIT, e);
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
