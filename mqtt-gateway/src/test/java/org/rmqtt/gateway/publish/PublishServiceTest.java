package org.rmqtt.gateway.publish;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttQoS;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.rmqtt.common.mapping.LmqNames;
import org.rmqtt.gateway.server.EmbeddedClient;
import org.rmqtt.gateway.server.EmbeddedGateway;
import org.rmqtt.gateway.server.Packets;
import org.rmqtt.store.StoredMessage;
import org.rmqtt.store.memory.InMemoryMessageStore;

class PublishServiceTest {
    private final EmbeddedGateway gateway = new EmbeddedGateway();
    private EmbeddedClient client;

    @BeforeEach
    void connect() {
        client = gateway.connect();
        client.connect("pub");
    }

    @AfterEach
    void close() {
        gateway.close();
    }

    /** What the store holds in the LMQ of {@code topicOrFilter}. */
    private List<StoredMessage> stored(String topicOrFilter) {
        return gateway.store.pull(InMemoryMessageStore.BROKER, LmqNames.of(topicOrFilter), 0, 1000).join().messages();
    }

    private static List<String> payloads(List<StoredMessage> messages) {
        return messages.stream().map(m -> new String(m.payload(), StandardCharsets.UTF_8)).toList();
    }

    private static int packetId(MqttMessage m) {
        return ((MqttMessageIdVariableHeader) m.variableHeader()).messageId();
    }

    @Test
    void qos1PublishIsStoredThenAcknowledgedWithItsPacketId() {
        client.send(Packets.publish("a/b", MqttQoS.AT_LEAST_ONCE, 7, "hello"));

        MqttMessage pubAck = client.receivedOne(MqttMessageType.PUBACK);
        assertThat(packetId(pubAck)).isEqualTo(7);
        List<StoredMessage> stored = stored("a/b");
        assertThat(stored).hasSize(1);
        assertThat(stored.get(0).topic()).isEqualTo("a/b");
        assertThat(stored.get(0).qos()).isEqualTo(1);
        assertThat(stored.get(0).retain()).isFalse();
        assertThat(new String(stored.get(0).payload(), StandardCharsets.UTF_8)).isEqualTo("hello");
        assertThat(client.isOpen()).isTrue();
    }

    @Test
    void qos0PublishIsStoredWithoutReply() {
        client.send(Packets.publish("a/b", MqttQoS.AT_MOST_ONCE, 0, "fire-and-forget"));

        assertThat(client.received()).isEmpty();
        assertThat(payloads(stored("a/b"))).containsExactly("fire-and-forget");
        assertThat(stored("a/b").get(0).qos()).isZero();
    }

    @Test
    void publishesAreStoredAndAcknowledgedInTheOrderSent() {
        MqttMessage[] burst = IntStream.rangeClosed(1, 20)
                .mapToObj(i -> Packets.publish("a/b", MqttQoS.AT_LEAST_ONCE, i, "m" + i)).toArray(MqttMessage[]::new);

        client.send(burst);

        List<MqttMessage> acks = client.received();
        assertThat(acks).extracting(m -> m.fixedHeader().messageType()).containsOnly(MqttMessageType.PUBACK);
        assertThat(acks).extracting(PublishServiceTest::packetId).containsExactlyElementsOf(IntStream.rangeClosed(1, 20).boxed().toList());
        assertThat(payloads(stored("a/b"))).containsExactlyElementsOf(IntStream.rangeClosed(1, 20).mapToObj(i -> "m" + i).toList());
    }

    @Test
    void publishesThatArriveWhileATopicIsBeingWrittenGoOutTogetherInOrder() {
        client.send(
                Packets.publish("batch/a", MqttQoS.AT_LEAST_ONCE, 1, "a1"),
                Packets.publish("batch/b", MqttQoS.AT_LEAST_ONCE, 2, "b1"),
                Packets.publish("batch/a", MqttQoS.AT_LEAST_ONCE, 3, "a2"),
                Packets.publish("batch/a", MqttQoS.AT_MOST_ONCE, 0, "a3"),
                Packets.publish("batch/a", MqttQoS.AT_LEAST_ONCE, 4, "a4"));

        assertThat(client.received()).extracting(PublishServiceTest::packetId).containsExactly(1, 2, 3, 4);
        List<List<String>> writes = gateway.publishStore.writes().stream()
                .map(w -> w.stream().map(r -> new String(r.payload(), StandardCharsets.UTF_8)).toList()).toList();
        // One write per topic at a time: what came in meanwhile is written next, as one batch.
        assertThat(writes).containsExactlyInAnyOrder(List.of("a1"), List.of("b1"), List.of("a2", "a3", "a4"));
        assertThat(writes.indexOf(List.of("a1"))).isLessThan(writes.indexOf(List.of("a2", "a3", "a4")));
        assertThat(payloads(stored("batch/a"))).containsExactly("a1", "a2", "a3", "a4");
    }

    @Test
    void aBatchStaysWithinTheByteLimitUnlessItIsASingleMessage() {
        String big = "x".repeat(700 * 1024);

        client.send(
                Packets.publish("cap/t", MqttQoS.AT_LEAST_ONCE, 1, "small"),
                Packets.publish("cap/t", MqttQoS.AT_LEAST_ONCE, 2, big),
                Packets.publish("cap/t", MqttQoS.AT_LEAST_ONCE, 3, big));

        assertThat(client.received()).extracting(PublishServiceTest::packetId).containsExactly(1, 2, 3);
        // Payload bytes of each write of more than one message.
        List<Integer> batchBytes = gateway.publishStore.writes().stream().filter(w -> w.size() > 1)
                .map(w -> w.stream().mapToInt(r -> r.payload().length).sum()).toList();
        assertThat(batchBytes).allSatisfy(bytes -> assertThat(bytes).isLessThanOrEqualTo(1 << 20));
    }

    @Test
    void aFailedBatchClosesTheConnectionWithoutAcknowledgingAnyOfIt() {
        client.send(Packets.publish("fail/t", MqttQoS.AT_LEAST_ONCE, 1, "stored"));
        assertThat(client.receivedOne(MqttMessageType.PUBACK)).isNotNull();
        gateway.store.failPublishes(true);

        client.send(
                Packets.publish("fail/t", MqttQoS.AT_LEAST_ONCE, 2, "x"),
                Packets.publish("fail/t", MqttQoS.AT_LEAST_ONCE, 3, "y"),
                Packets.publish("fail/t", MqttQoS.EXACTLY_ONCE, 4, "z"));

        assertThat(client.received()).isEmpty();
        assertThat(client.isOpen()).as("still retrying").isTrue();
        retriesPass();
        assertThat(client.received()).isEmpty();
        assertThat(client.isOpen()).isFalse();
        assertThat(payloads(stored("fail/t"))).containsExactly("stored");
    }

    @Test
    void aStoreThatRecoversWhileRetryingLosesNothingAndKeepsOrder() {
        gateway.store.failPublishes(true);
        client.send(
                Packets.publish("retry/t", MqttQoS.AT_LEAST_ONCE, 1, "a"),
                Packets.publish("retry/t", MqttQoS.AT_LEAST_ONCE, 2, "b"));
        assertThat(client.received()).isEmpty();
        assertThat(client.channel().config().isAutoRead()).as("not reading while the store is failing").isFalse();

        gateway.store.failPublishes(false);
        client.channel().advanceTimeBy(1, java.util.concurrent.TimeUnit.SECONDS);
        client.channel().runScheduledPendingTasks();
        client.channel().runPendingTasks();

        assertThat(client.received()).filteredOn(m -> m.fixedHeader().messageType() == MqttMessageType.PUBACK).hasSize(2);
        assertThat(client.isOpen()).isTrue();
        assertThat(client.channel().config().isAutoRead()).isTrue();
        assertThat(payloads(stored("retry/t"))).containsExactly("a", "b");
    }

    @ParameterizedTest
    @EnumSource(value = MqttQoS.class, names = {"AT_MOST_ONCE", "AT_LEAST_ONCE", "EXACTLY_ONCE"})
    void aZeroLengthPayloadIsStoredAndAcknowledgedLikeAnyOther(MqttQoS qos) {
        client.send(Packets.publish("empty/t", qos, 9, ""));
        List<MqttMessage> replies = client.received();
        if (qos == MqttQoS.AT_MOST_ONCE) {
            assertThat(replies).isEmpty();
        } else {
            assertThat(replies).extracting(m -> m.fixedHeader().messageType())
                    .containsExactly(qos == MqttQoS.AT_LEAST_ONCE ? MqttMessageType.PUBACK : MqttMessageType.PUBREC);
        }
        assertThat(stored("empty/t")).singleElement().satisfies(m -> {
            assertThat(m.payload()).isEmpty();
            assertThat(m.qos()).isEqualTo(qos.value());
        });
        assertThat(client.isOpen()).isTrue();
    }

    @Test
    void aMessageTheStoreRefusesForGoodIsNotTriedAgainAndClosesTheConnection() {
        gateway.publishStore.refuseForGood("message illegal (test)");
        client.send(Packets.publish("bad/t", MqttQoS.AT_LEAST_ONCE, 1, "x"));
        assertThat(client.received()).as("no PUBACK").isEmpty();
        assertThat(client.isOpen()).as("closed at once, without waiting for retries").isFalse();
        assertThat(gateway.publishStore.writes()).as("tried once").hasSize(1);
    }

    @Test
    void aQos0MessageTheStoreRefusesForGoodIsDroppedAtOnce() {
        gateway.publishStore.refuseForGood("message illegal (test)");
        client.send(Packets.publish("bad/0", MqttQoS.AT_MOST_ONCE, 0, "x"));
        assertThat(client.isOpen()).isTrue();
        assertThat(gateway.publishStore.writes()).as("tried once").hasSize(1);
        gateway.publishStore.refuseForGood(null);
        client.send(Packets.publish("bad/0", MqttQoS.AT_LEAST_ONCE, 2, "ok"));
        assertThat(client.receivedOne(MqttMessageType.PUBACK)).isNotNull();
        assertThat(payloads(stored("bad/0"))).containsExactly("ok");
    }

    @Test
    void qos0MessagesTheStoreKeepsRefusingAreDroppedWithoutClosing() {
        gateway.store.failPublishes(true);
        client.send(Packets.publish("q0/t", MqttQoS.AT_MOST_ONCE, 0, "gone"));
        retriesPass();
        assertThat(client.isOpen()).isTrue();
        gateway.store.failPublishes(false);
        client.send(Packets.publish("q0/t", MqttQoS.AT_LEAST_ONCE, 5, "kept"));
        assertThat(client.receivedOne(MqttMessageType.PUBACK)).isNotNull();
        assertThat(payloads(stored("q0/t"))).containsExactly("kept");
    }

    /** Lets every retry of the publish flow run out, on the channel's virtual clock. */
    private void retriesPass() {
        for (int i = 0; i < 10; i++) {
            client.channel().advanceTimeBy(1, java.util.concurrent.TimeUnit.SECONDS);
            client.channel().runScheduledPendingTasks();
            client.channel().runPendingTasks();
        }
    }

    @ParameterizedTest
    @EnumSource(value = MqttQoS.class, names = {"AT_LEAST_ONCE", "EXACTLY_ONCE"})
    void aFailedStoreClosesTheConnectionWithoutAcknowledgement(MqttQoS qos) {
        gateway.store.failPublishes(true);

        client.send(Packets.publish("a/b", qos, 3, "lost"));
        retriesPass();

        assertThat(client.received()).isEmpty();
        assertThat(client.isOpen()).isFalse();
        assertThat(stored("a/b")).isEmpty();
    }

    @Test
    void qos2IsStoredOnceAndCompletedWithPubRecPubRelPubComp() {
        client.send(Packets.publish("a/b", MqttQoS.EXACTLY_ONCE, 9, "once"));
        assertThat(packetId(client.receivedOne(MqttMessageType.PUBREC))).isEqualTo(9);

        // The client did not get the PUBREC and sends the PUBLISH again.
        client.send(Packets.publishDup("a/b", MqttQoS.EXACTLY_ONCE, 9, "once"));
        assertThat(packetId(client.receivedOne(MqttMessageType.PUBREC))).isEqualTo(9);
        assertThat(payloads(stored("a/b"))).containsExactly("once");

        client.send(Packets.ack(MqttMessageType.PUBREL, 9));
        assertThat(packetId(client.receivedOne(MqttMessageType.PUBCOMP))).isEqualTo(9);
        assertThat(payloads(stored("a/b"))).containsExactly("once");
        assertThat(client.isOpen()).isTrue();
    }

    @Test
    void afterPubRelThePacketIdStartsANewQos2Message() {
        client.send(Packets.publish("a/b", MqttQoS.EXACTLY_ONCE, 9, "first"));
        client.send(Packets.ack(MqttMessageType.PUBREL, 9));
        client.received();

        client.send(Packets.publish("a/b", MqttQoS.EXACTLY_ONCE, 9, "second"));

        assertThat(packetId(client.receivedOne(MqttMessageType.PUBREC))).isEqualTo(9);
        assertThat(payloads(stored("a/b"))).containsExactly("first", "second");
    }

    @Test
    void pubRelOfAnUnknownPacketIdIsStillCompleted() {
        client.send(Packets.ack(MqttMessageType.PUBREL, 77));

        assertThat(packetId(client.receivedOne(MqttMessageType.PUBCOMP))).isEqualTo(77);
        assertThat(client.isOpen()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"a/+", "a/#", "+", "#", "a/b+"})
    void aTopicNameWithAWildcardClosesTheConnection(String topic) {
        // Netty's decoder already rejects it; MalformedPacketHandler closes.
        client.send(Packets.publish(topic, MqttQoS.AT_LEAST_ONCE, 1, "x"));

        assertThat(client.received()).isEmpty();
        assertThat(client.isOpen()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"a/+", "a/#", "+", "#", ""})
    void anInvalidTopicNameThatGetsPastTheDecoderClosesTheConnection(String topic) {
        client.sendUndecoded(Packets.publish(topic, MqttQoS.AT_LEAST_ONCE, 1, "x"));

        assertThat(client.received()).isEmpty();
        assertThat(client.isOpen()).isFalse();
        if (!topic.isEmpty()) {
            assertThat(stored(topic)).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a/\u0000/b"})
    void aTopicNameTheDecoderLetsThroughButMqttForbidsClosesTheConnection(String topic) {
        client.send(Packets.publish(topic, MqttQoS.AT_LEAST_ONCE, 1, "x"));

        assertThat(client.received()).isEmpty();
        assertThat(client.isOpen()).isFalse();
    }

    @Test
    void aPacketOverTheMaximumMessageSizeClosesTheConnection() {
        String tooBig = "x".repeat(EmbeddedGateway.MAX_MESSAGE_SIZE);

        client.send(Packets.publish("big/t", MqttQoS.AT_LEAST_ONCE, 1, tooBig));

        assertThat(client.received()).isEmpty();
        assertThat(client.isOpen()).isFalse();
        assertThat(stored("big/t")).isEmpty();
    }

    @Test
    void aPacketJustUnderTheMaximumMessageSizeIsStored() {
        // Remaining length = topic (2 + 5) + packet id (2) + payload.
        String justFits = "x".repeat(EmbeddedGateway.MAX_MESSAGE_SIZE - 9);

        client.send(Packets.publish("big/t", MqttQoS.AT_LEAST_ONCE, 1, justFits));

        assertThat(packetId(client.receivedOne(MqttMessageType.PUBACK))).isEqualTo(1);
        assertThat(stored("big/t")).hasSize(1);
        assertThat(stored("big/t").get(0).payload()).hasSize(justFits.length());
    }

    @Test
    void theMessageIsAlsoDispatchedToTheLmqOfEveryMatchingWildcardFilterInUse() {
        gateway.meta.addFilter("other-node", "a/+").join();
        gateway.meta.addFilter("other-node", "#").join();
        gateway.meta.addFilter("other-node", "b/+").join();
        gateway.meta.addFilter("other-node", "a/c").join();

        client.send(Packets.publish("a/b", MqttQoS.AT_LEAST_ONCE, 1, "fan-out"));

        assertThat(client.receivedOne(MqttMessageType.PUBACK)).isNotNull();
        assertThat(payloads(stored("a/b"))).containsExactly("fan-out");
        assertThat(payloads(stored("a/+"))).containsExactly("fan-out");
        assertThat(payloads(stored("#"))).containsExactly("fan-out");
        assertThat(stored("a/+").get(0).topic()).isEqualTo("a/b");
        assertThat(stored("b/+")).isEmpty();
        assertThat(stored("a/c")).isEmpty();
    }
}
