package org.rmqtt.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rmqtt.gateway.MqttTestClient.Received;
import org.rmqtt.store.TestNames;

/** Backends on plain RocketMQ clients, two gateways of one cluster, and clients that break the protocol. */
class InteropIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static Gateway first;
    private static Gateway second;

    @BeforeAll
    static void start() {
        first = TestGateways.start();
        second = TestGateways.start();
    }

    @AfterAll
    static void stop() {
        second.close();
        first.close();
    }

    private static String unique() {
        return TestNames.unique("i");
    }

    @Test
    void backendProducerReachesExactAndWildcardSubscribers() throws Exception {
        String root = unique();
        try (MqttTestClient exact = new MqttTestClient(first.mqttPort());
             MqttTestClient wildcard = new MqttTestClient(second.mqttPort())) {
            exact.subscribe(root + "/42/cmd", 1);
            wildcard.subscribe(root + "/+/cmd", 1);
            DefaultMQProducer producer = new DefaultMQProducer("interop_backend");
            producer.setNamesrvAddr(TestGateways.rocketMq().namesrvAddress());
            producer.setInstanceName("interop-backend-" + root);
            producer.start();
            try {
                for (int i = 0; i < 3; i++) {
                    Message msg = new Message("mqtt_default", ("cmd" + i).getBytes(StandardCharsets.UTF_8));
                    msg.putUserProperty("mqttTopic", root + "/42/cmd");
                    producer.send(msg);
                }
            } finally {
                producer.shutdown();
            }
            assertThat(exact.collect(root, 3, WAIT)).extracting(Received::payload).containsExactly("cmd0", "cmd1", "cmd2");
            assertThat(wildcard.collect(root, 3, WAIT)).extracting(Received::payload).containsExactly("cmd0", "cmd1", "cmd2");
        }
    }

    @Test
    void backendConsumerReceivesDevicePublishesWithTheMqttTopic() throws Exception {
        String topic = "sensors/" + unique() + "/temp";
        BlockingQueue<MessageExt> received = new LinkedBlockingQueue<>();
        DefaultMQPushConsumer consumer = new DefaultMQPushConsumer("interop_backend_" + unique());
        consumer.setNamesrvAddr(TestGateways.rocketMq().namesrvAddress());
        consumer.setInstanceName("interop-consumer-" + unique());
        consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        consumer.subscribe("sensors", "*");
        consumer.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
            received.addAll(msgs);
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        consumer.start();
        try (MqttTestClient device = new MqttTestClient(first.mqttPort())) {
            device.publish(topic, "21.5", 1);
            MessageExt m;
            do {
                m = received.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            } while (m != null && !topic.equals(m.getUserProperty("mqttTopic")));
            assertThat(m).as("device message on RocketMQ topic 'sensors'").isNotNull();
            assertThat(m.getTopic()).isEqualTo("sensors");
            assertThat(new String(m.getBody(), StandardCharsets.UTF_8)).isEqualTo("21.5");
            assertThat(m.getUserProperty("mqttQos")).isEqualTo("1");
        } finally {
            consumer.shutdown();
        }
    }

    @Test
    void aMessagePublishedOnOneGatewayReachesSubscribersOnTheOther() throws Exception {
        String topic = unique() + "/cross";
        try (MqttTestClient sub = new MqttTestClient(second.mqttPort());
             MqttTestClient pub = new MqttTestClient(first.mqttPort())) {
            sub.subscribe(topic, 1);
            for (int i = 0; i < 50; i++) {
                pub.publish(topic, "x" + i, 1);
            }
            assertThat(sub.collect(topic, 50, WAIT)).extracting(Received::payload)
                    .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 50).mapToObj(i -> "x" + i).toList());
        }
    }

    @Test
    void eventsGoOnlyToNodesWithAMatchingSubscription() throws Exception {
        String topic = unique() + "/only-second";
        try (MqttTestClient sub = new MqttTestClient(second.mqttPort())) {
            sub.subscribe(topic, 1);
            assertThat(TestGateways.meta().nodesMatching(topic)).hasSize(1);
            assertThat(TestGateways.meta().nodesMatching(unique() + "/nobody")).isEmpty();
        }
        // The last subscriber left: the node no longer asks for events on that topic.
        org.awaitility.Awaitility.await().atMost(WAIT).until(() -> TestGateways.meta().nodesMatching(topic).isEmpty());
    }

    @Test
    void aClientIdConnectingOnAnotherGatewayTakesTheSessionOver() throws Exception {
        String clientId = "takeover-" + unique();
        try (MqttTestClient old = new MqttTestClient(first.mqttPort(), clientId, 10);
             MqttTestClient fresh = new MqttTestClient(second.mqttPort(), clientId, 10)) {
            org.awaitility.Awaitility.await().atMost(WAIT).until(() -> !old.isConnected());
            assertThat(fresh.isConnected()).isTrue();
        }
    }

    // ---- bad input: each closes only the offending connection ----

    @Test
    void publishBeforeConnectClosesTheConnection() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", first.mqttPort())) {
            socket.getOutputStream().write(publish("a/b"));
            assertThat(readUntilClosed(socket.getInputStream())).isEmpty();
        }
        assertOtherClientsStillServed();
    }

    @Test
    void wildcardInPublishTopicClosesTheConnection() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", first.mqttPort())) {
            socket.getOutputStream().write(connect("raw-" + unique()));
            assertThat(socket.getInputStream().readNBytes(4)).containsExactly(0x20, 0x02, 0x00, 0x00);
            socket.getOutputStream().write(publish("a/+/b"));
            assertThat(readUntilClosed(socket.getInputStream())).isEmpty();
        }
        assertOtherClientsStillServed();
    }

    @Test
    void invalidFilterInSubscribeIsRefusedWith0x80AndTheConnectionStays() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", first.mqttPort())) {
            socket.getOutputStream().write(connect("raw-" + unique()));
            byte[] filter = "a/#/b".getBytes(StandardCharsets.UTF_8);
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            body.write(new byte[] {0x00, 0x01, 0x00, (byte) filter.length});
            body.write(filter);
            body.write(0x01);
            assertThat(socket.getInputStream().readNBytes(4)).containsExactly(0x20, 0x02, 0x00, 0x00);
            socket.getOutputStream().write(packet(0x82, body.toByteArray()));
            // SUBACK, packet id 1, return code 0x80 (docs/conformance.md: MQTT-3.9.3-2).
            assertThat(socket.getInputStream().readNBytes(5)).containsExactly(0x90, 0x03, 0x00, 0x01, 0x80);
            socket.getOutputStream().write(new byte[] {(byte) 0xC0, 0x00});
            assertThat(socket.getInputStream().readNBytes(2)).containsExactly(0xD0, 0x00);
        }
        assertOtherClientsStillServed();
    }

    @Test
    void garbageClosesTheConnection() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", first.mqttPort())) {
            socket.getOutputStream().write(new byte[] {(byte) 0xF0, 0x00});
            assertThat(readUntilClosed(socket.getInputStream())).isEmpty();
        }
        assertOtherClientsStillServed();
    }

    private static void assertOtherClientsStillServed() throws Exception {
        String topic = unique() + "/alive";
        try (MqttTestClient sub = new MqttTestClient(first.mqttPort());
             MqttTestClient pub = new MqttTestClient(first.mqttPort())) {
            sub.subscribe(topic, 1);
            pub.publish(topic, "still here", 1);
            assertThat(sub.collect(topic, 1, WAIT)).extracting(Received::payload).containsExactly("still here");
        }
    }

    private static byte[] connect(String clientId) throws Exception {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(new byte[] {0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3C});
        byte[] id = clientId.getBytes(StandardCharsets.UTF_8);
        body.write(new byte[] {0x00, (byte) id.length});
        body.write(id);
        return packet(0x10, body.toByteArray());
    }

    private static byte[] publish(String topic) throws Exception {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        byte[] t = topic.getBytes(StandardCharsets.UTF_8);
        body.write(new byte[] {0x00, (byte) t.length});
        body.write(t);
        body.write("payload".getBytes(StandardCharsets.UTF_8));
        return packet(0x30, body.toByteArray());
    }

    private static byte[] packet(int header, byte[] body) {
        byte[] p = new byte[2 + body.length];
        p[0] = (byte) header;
        p[1] = (byte) body.length; // bodies here are < 128 bytes
        System.arraycopy(body, 0, p, 2, body.length);
        return p;
    }

    /** Reads what the server sends until it closes the connection (or 10 s pass). */
    private static List<Integer> readUntilClosed(InputStream in) throws Exception {
        List<Integer> bytes = new java.util.ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int b;
        while (System.nanoTime() < deadline && (b = in.read()) != -1) {
            bytes.add(b);
        }
        assertThat(System.nanoTime()).as("server closed the connection").isLessThan(deadline);
        return bytes;
    }
}
