package org.rmqtt.gateway.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.rmqtt.common.health.Counters;
import org.rmqtt.common.mapping.LmqNames;
import org.rmqtt.gateway.connection.ReadSuspension;
import org.rmqtt.gateway.connection.Violation;
import org.rmqtt.gateway.server.EmbeddedClient;
import org.rmqtt.gateway.server.EmbeddedGateway;
import org.rmqtt.gateway.server.Packets;
import org.rmqtt.store.memory.InMemoryMessageStore;

/** The limits that act on packets and on writability, through the real pipeline on in-memory ports. */
class LimitHandlersTest {
    private final AtomicLong clock = new AtomicLong();
    private final Counters counters = new Counters();
    private EmbeddedGateway gateway;

    private EmbeddedClient connected(Map<String, String> limits) {
        gateway = new EmbeddedGateway(EmbeddedGateway.limits(limits, counters, clock::get));
        EmbeddedClient client = gateway.connect();
        client.connect("c1");
        return client;
    }

    @AfterEach
    void close() {
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void aPublishTopicOverTheLengthLimitClosesTheConnectionAndIsNotStored() {
        EmbeddedClient client = connected(Map.of("limits.maxTopicLength", "10"));
        client.send(Packets.publish("a/123456789", MqttQoS.AT_LEAST_ONCE, 1, "x"));
        client.runTasks();
        assertThat(client.isOpen()).isFalse();
        assertThat(client.received()).as("3.1.1 has no negative PUBACK").isEmpty();
        assertThat(gateway.violations.count(Violation.TOPIC_LIMIT)).isEqualTo(1);
        assertThat(gateway.store.pull(InMemoryMessageStore.BROKER, LmqNames.of("a/123456789"), 0, 10).join().messages()).isEmpty();
    }

    @Test
    void aPublishTopicAtTheLimitsIsAccepted() {
        // 10 bytes in UTF-8 (é is two), 3 levels.
        EmbeddedClient client = connected(Map.of("limits.maxTopicLength", "10", "limits.maxTopicLevels", "3"));
        client.send(Packets.publish("a/b/\u00e9345", MqttQoS.AT_LEAST_ONCE, 1, "x"));
        assertThat(client.receivedOne(MqttMessageType.PUBACK)).isNotNull();
        assertThat(client.isOpen()).isTrue();
    }

    @Test
    void multiByteCharactersCountInBytes() {
        EmbeddedClient client = connected(Map.of("limits.maxTopicLength", "10"));
        client.send(Packets.publish("\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9", MqttQoS.AT_MOST_ONCE, 0, "x")); // 6 chars, 12 bytes
        client.runTasks();
        assertThat(client.isOpen()).isFalse();
    }

    @Test
    void aPublishTopicOverTheLevelLimitClosesTheConnection() {
        EmbeddedClient client = connected(Map.of("limits.maxTopicLevels", "3"));
        client.send(Packets.publish("a/b/c/d", MqttQoS.AT_MOST_ONCE, 0, "x"));
        client.runTasks();
        assertThat(client.isOpen()).isFalse();
        assertThat(gateway.violations.count(Violation.TOPIC_LIMIT)).isEqualTo(1);
    }

    @Test
    void aSubscribeFilterOverALimitGets0x80WhileTheOthersAreGranted() {
        EmbeddedClient client = connected(Map.of("limits.maxTopicLevels", "3"));
        client.send(MqttMessageBuilders.subscribe().messageId(5)
                .addSubscription(MqttQoS.AT_LEAST_ONCE, "a/+/c")
                .addSubscription(MqttQoS.AT_LEAST_ONCE, "a/b/c/#")
                .build());
        client.runTasks();
        MqttSubAckMessage subAck = (MqttSubAckMessage) client.receivedOne(MqttMessageType.SUBACK);
        assertThat(subAck.payload().grantedQoSLevels()).containsExactly(1, 0x80);
        assertThat(client.isOpen()).isTrue();
        assertThat(counters.get(Counters.Name.FILTERS_OVER_TOPIC_LIMIT)).isEqualTo(1);
    }

    @Test
    void anUnsubscribeFilterOverALimitClosesTheConnection() {
        EmbeddedClient client = connected(Map.of("limits.maxTopicLength", "5"));
        client.send(Packets.unsubscribe(3, "a/b", "abcdef"));
        client.runTasks();
        assertThat(client.isOpen()).isFalse();
        assertThat(gateway.violations.count(Violation.TOPIC_LIMIT)).isEqualTo(1);
    }

    @Test
    void aWillTopicOverALimitRefusesTheConnect() {
        gateway = new EmbeddedGateway(EmbeddedGateway.limits(Map.of("limits.maxTopicLength", "5"), counters, clock::get));
        EmbeddedClient client = gateway.connect();
        client.send(Packets.connectWithWill("w1", "will/too/long", new byte[] {1}, MqttQoS.AT_MOST_ONCE, false));
        client.runTasks();
        assertThat(client.isOpen()).isFalse();
        assertThat(client.received()).isEmpty();
        assertThat(gateway.violations.count(Violation.TOPIC_LIMIT)).isEqualTo(1);
    }

    @Test
    void aFastPublisherIsPausedNotRefusedAndEveryMessageIsAcknowledged() {
        EmbeddedClient client = connected(Map.of("limits.publishRatePerClient", "10", "limits.publishBurstPerClient", "5"));
        client.channel().freezeTime();
        MqttMessage[] burst = new MqttMessage[20];
        for (int i = 0; i < burst.length; i++) {
            burst[i] = Packets.publish("rate/t", MqttQoS.AT_LEAST_ONCE, i + 1, "m" + i);
        }
        client.send(burst);
        client.runTasks();

        assertThat(client.received()).filteredOn(m -> m.fixedHeader().messageType() == MqttMessageType.PUBACK)
                .as("all of one read are handled: nothing dropped").hasSize(20);
        assertThat(client.isOpen()).isTrue();
        assertThat(client.channel().config().isAutoRead()).as("paused: 15 tokens owed").isFalse();
        assertThat(counters.get(Counters.Name.PUBLISH_THROTTLED)).isEqualTo(1);

        // The store flow resuming its own reason does not end the rate pause.
        ReadSuspension.resume(client.channel(), ReadSuspension.Reason.STORING);
        assertThat(client.channel().config().isAutoRead()).isFalse();

        advance(client, 1_000);
        assertThat(client.channel().config().isAutoRead()).as("still owes 0.5 s").isFalse();
        advance(client, 600);
        assertThat(client.channel().config().isAutoRead()).as("paid back").isTrue();
        assertThat(gateway.store.pull(InMemoryMessageStore.BROKER, LmqNames.of("rate/t"), 0, 100).join().messages()).hasSize(20);
    }

    @Test
    void aPublisherWithinItsRateIsNeverPaused() {
        EmbeddedClient client = connected(Map.of("limits.publishRatePerClient", "10", "limits.publishBurstPerClient", "5"));
        client.channel().freezeTime();
        for (int i = 0; i < 30; i++) {
            client.send(Packets.publish("rate/ok", MqttQoS.AT_LEAST_ONCE, i + 1, "m"));
            advance(client, 100);
            assertThat(client.channel().config().isAutoRead()).isTrue();
        }
        assertThat(counters.get(Counters.Name.PUBLISH_THROTTLED)).isZero();
    }

    @Test
    void aConnectionWhoseWriteBufferStaysFullIsClosed() {
        EmbeddedClient client = connected(Map.of("limits.slowReaderTimeout", "5s"));
        client.channel().freezeTime();
        fillWriteBuffer(client);
        assertThat(client.channel().isWritable()).isFalse();
        advance(client, 4_000);
        assertThat(client.isOpen()).isTrue();
        advance(client, 1_500);
        assertThat(client.isOpen()).isFalse();
        assertThat(gateway.violations.count(Violation.SLOW_READER)).isEqualTo(1);
    }

    @Test
    void aConnectionIsNotReadWhileItsWriteBufferIsFull() {
        // A client that publishes without reading its PUBACKs would grow the buffer without bound.
        EmbeddedClient client = connected(Map.of("limits.slowReaderTimeout", "0"));
        fillWriteBuffer(client);
        assertThat(client.channel().isWritable()).isFalse();
        assertThat(client.channel().config().isAutoRead()).isFalse();
        assertThat(counters.get(Counters.Name.SEND_BUFFER_PAUSES)).isEqualTo(1);

        // The rate limit ending its own pause does not resume a full connection.
        ReadSuspension.resume(client.channel(), ReadSuspension.Reason.PUBLISH_RATE);
        assertThat(client.channel().config().isAutoRead()).isFalse();

        client.channel().flush(); // the client read it all
        assertThat(client.channel().isWritable()).isTrue();
        assertThat(client.channel().config().isAutoRead()).isTrue();
        assertThat(client.isOpen()).isTrue();
    }

    @Test
    void aWriteBufferThatDrainsInTimeKeepsTheConnection() {
        EmbeddedClient client = connected(Map.of("limits.slowReaderTimeout", "5s"));
        client.channel().freezeTime();
        fillWriteBuffer(client);
        advance(client, 4_000);
        client.channel().flush(); // the client read it all
        assertThat(client.channel().isWritable()).isTrue();
        advance(client, 10_000);
        assertThat(client.isOpen()).isTrue();
        fillWriteBuffer(client);
        advance(client, 4_000);
        assertThat(client.isOpen()).as("a new full period starts from zero").isTrue();
        advance(client, 1_500);
        assertThat(client.isOpen()).isFalse();
    }

    @Test
    void aConnectTrickledByteByByteIsClosedAtTheDeadline() {
        gateway = new EmbeddedGateway(EmbeddedGateway.limits(Map.of(), counters, clock::get));
        EmbeddedClient client = gateway.connect();
        client.channel().freezeTime();
        ByteBuf connect = client.encode(Packets.connect(MqttVersion.MQTT_3_1_1, "slow", true, 60));
        int second = 0;
        while (connect.readableBytes() > 1 && client.isOpen()) {
            client.sendBytes(connect.readRetainedSlice(1));
            advance(client, 3_000); // never silent for the 10 s the idle handler waits
            second += 3;
        }
        connect.release();
        assertThat(client.isOpen()).as("closed after %s s", second).isFalse();
        assertThat(second).isBetween(10, 12);
        assertThat(gateway.violations.count(Violation.CONNECT_TIMEOUT)).isEqualTo(1);
    }

    @Test
    void readSuspensionReadsOnlyWhenNoReasonIsLeft() {
        EmbeddedClient client = connected(Map.of());
        var channel = client.channel();
        ReadSuspension.suspend(channel, ReadSuspension.Reason.STORING);
        ReadSuspension.suspend(channel, ReadSuspension.Reason.PUBLISH_RATE);
        ReadSuspension.suspend(channel, ReadSuspension.Reason.STORING); // idempotent
        ReadSuspension.resume(channel, ReadSuspension.Reason.STORING);
        assertThat(channel.config().isAutoRead()).isFalse();
        ReadSuspension.resume(channel, ReadSuspension.Reason.PUBLISH_RATE);
        assertThat(channel.config().isAutoRead()).isTrue();
    }

    private static void fillWriteBuffer(EmbeddedClient client) {
        client.channel().write(Unpooled.wrappedBuffer(new byte[128 * 1024])); // over the 64 KiB high water mark, unflushed
    }

    /** Moves the limits' clock and the channel's scheduler together, then runs what is due. */
    private void advance(EmbeddedClient client, long millis) {
        clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
        client.channel().advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        client.channel().runScheduledPendingTasks();
        client.runTasks();
    }
}
