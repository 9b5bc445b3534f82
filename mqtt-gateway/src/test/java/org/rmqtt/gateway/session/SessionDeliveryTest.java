package org.rmqtt.gateway.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.rmqtt.common.mapping.LmqNames;
import org.rmqtt.common.notify.TopicEvent;
import org.rmqtt.gateway.server.EmbeddedClient;
import org.rmqtt.gateway.server.EmbeddedGateway;
import org.rmqtt.gateway.server.Packets;
import org.rmqtt.store.PublishRequest;
import org.rmqtt.store.memory.InMemoryMessageStore;

/** RocketMQ → device: topic events wake the session, which pulls from the LMQ and sends within its window. */
class SessionDeliveryTest {
    private static final String BROKER = InMemoryMessageStore.BROKER;

    private EmbeddedGateway gateway = new EmbeddedGateway();

    @AfterEach
    void close() {
        gateway.close();
    }

    private EmbeddedClient subscriber(String filter, MqttQoS qos) {
        EmbeddedClient client = gateway.connect();
        client.connect("sub");
        assertThat(client.subscribe(1, filter, qos).payload().grantedQoSLevels()).containsExactly(qos.value());
        return client;
    }

    /** Stores a backend message on {@code topic} and returns its offset in the topic's LMQ. */
    private long store(String topic, int qos, boolean retain, String payload, Set<String> wildcardFilters) {
        long offset = gateway.store.maxOffsets(LmqNames.of(topic)).join().get(BROKER);
        gateway.store.publish(new PublishRequest(topic, qos, retain, payload.getBytes(StandardCharsets.UTF_8), null,
                wildcardFilters)).join();
        return offset;
    }

    private long store(String topic, int qos, String payload) {
        return store(topic, qos, false, payload, Set.of());
    }

    /** What a notifier would send: the message at {@code offset} of the topic's own LMQ. */
    private void announce(EmbeddedClient client, String topic, long offset) {
        gateway.dispatch(new TopicEvent(BROKER, topic, List.of(LmqNames.of(topic)), List.of(offset)));
        client.runTasks();
    }

    private static List<String> payloads(List<MqttPublishMessage> messages) {
        return messages.stream().map(Packets::payload).toList();
    }

    private static int packetId(MqttMessage m) {
        return m instanceof MqttPublishMessage p ? p.variableHeader().packetId()
                : ((MqttMessageIdVariableHeader) m.variableHeader()).messageId();
    }

    @Test
    void storedMessagesAreDeliveredInOrderWithoutRetainOrDup() {
        EmbeddedClient client = subscriber("d/1", MqttQoS.AT_LEAST_ONCE);
        store("d/1", 0, false, "m0", Set.of());
        store("d/1", 1, true, "m1", Set.of());
        long last = store("d/1", 2, false, "m2", Set.of());

        announce(client, "d/1", last);

        List<MqttPublishMessage> got = Packets.publishes(client.received());
        assertThat(payloads(got)).containsExactly("m0", "m1", "m2");
        assertThat(got).extracting(m -> m.variableHeader().topicName()).containsOnly("d/1");
        assertThat(got).extracting(m -> m.fixedHeader().qosLevel())
                .containsExactly(MqttQoS.AT_MOST_ONCE, MqttQoS.AT_LEAST_ONCE, MqttQoS.AT_LEAST_ONCE);
        assertThat(got).extracting(m -> m.fixedHeader().isRetain()).containsOnly(false);
        assertThat(got).extracting(m -> m.fixedHeader().isDup()).containsOnly(false);
        assertThat(packetId(got.get(1))).isPositive().isNotEqualTo(packetId(got.get(2)));
        assertThat(packetId(got.get(2))).isPositive();
    }

    @ParameterizedTest(name = "granted {0}, published {1} -> delivered {2}")
    @CsvSource({"0,0,0", "0,1,0", "0,2,0", "1,0,0", "1,1,1", "1,2,1", "2,0,0", "2,1,1", "2,2,2"})
    void deliveredQosIsTheMinimumOfPublishedAndGranted(int granted, int published, int delivered) {
        EmbeddedClient client = subscriber("qos/t", MqttQoS.valueOf(granted));

        announce(client, "qos/t", store("qos/t", published, "x"));

        List<MqttPublishMessage> got = Packets.publishes(client.received());
        assertThat(got).hasSize(1);
        assertThat(got.get(0).fixedHeader().qosLevel().value()).isEqualTo(delivered);
    }

    @Test
    void theInflightWindowHoldsBackQos1MessagesUntilPubAck() {
        gateway.close();
        gateway = new EmbeddedGateway(4, 32);
        EmbeddedClient client = subscriber("win/t", MqttQoS.AT_LEAST_ONCE);
        long last = -1;
        for (int i = 0; i < 10; i++) {
            last = store("win/t", 1, "m" + i);
        }

        announce(client, "win/t", last);

        List<MqttPublishMessage> outstanding = new ArrayList<>(Packets.publishes(client.received()));
        assertThat(payloads(outstanding)).containsExactly("m0", "m1", "m2", "m3");
        assertThat(client.session().inflightCount()).isEqualTo(4);
        client.runTasks();
        assertThat(client.received()).isEmpty();

        // Acknowledging one (not the oldest) lets exactly one more out.
        client.send(Packets.ack(MqttMessageType.PUBACK, packetId(outstanding.remove(2))));
        List<MqttPublishMessage> next = Packets.publishes(client.received());
        assertThat(payloads(next)).containsExactly("m4");
        outstanding.addAll(next);

        List<String> delivered = new ArrayList<>(List.of("m0", "m1", "m2", "m3", "m4"));
        while (!outstanding.isEmpty()) {
            client.send(Packets.ack(MqttMessageType.PUBACK, packetId(outstanding.remove(0))));
            List<MqttPublishMessage> more = Packets.publishes(client.received());
            assertThat(more.size()).isLessThanOrEqualTo(1);
            outstanding.addAll(more);
            delivered.addAll(payloads(more));
            assertThat(client.session().inflightCount()).isLessThanOrEqualTo(4);
        }
        assertThat(delivered).containsExactlyElementsOf(IntStream.range(0, 10).mapToObj(i -> "m" + i).toList());
        assertThat(client.session().inflightCount()).isZero();
    }

    @Test
    void qos0MessagesDoNotTakeSpaceInTheWindow() {
        gateway.close();
        gateway = new EmbeddedGateway(1, 32);
        EmbeddedClient client = subscriber("q0/t", MqttQoS.AT_MOST_ONCE);
        long last = -1;
        for (int i = 0; i < 5; i++) {
            last = store("q0/t", 1, "m" + i);
        }

        announce(client, "q0/t", last);

        assertThat(payloads(Packets.publishes(client.received()))).containsExactly("m0", "m1", "m2", "m3", "m4");
        assertThat(client.session().inflightCount()).isZero();
    }

    @Test
    void outboundQos2IsReleasedWithPubRelAndFreesTheWindowOnPubComp() {
        gateway.close();
        gateway = new EmbeddedGateway(1, 32);
        EmbeddedClient client = subscriber("x2/t", MqttQoS.EXACTLY_ONCE);
        store("x2/t", 2, "first");
        long last = store("x2/t", 2, "second");

        announce(client, "x2/t", last);
        List<MqttPublishMessage> got = Packets.publishes(client.received());
        assertThat(payloads(got)).containsExactly("first");
        assertThat(got.get(0).fixedHeader().qosLevel()).isEqualTo(MqttQoS.EXACTLY_ONCE);
        int id = packetId(got.get(0));

        // A PUBACK does not complete a QoS 2 delivery.
        client.send(Packets.ack(MqttMessageType.PUBACK, id));
        assertThat(client.received()).isEmpty();

        client.send(Packets.ack(MqttMessageType.PUBREC, id));
        MqttMessage pubRel = client.receivedOne(MqttMessageType.PUBREL);
        assertThat(packetId(pubRel)).isEqualTo(id);
        assertThat(pubRel.fixedHeader().qosLevel()).isEqualTo(MqttQoS.AT_LEAST_ONCE);
        assertThat(client.session().inflightCount()).isEqualTo(1);

        client.send(Packets.ack(MqttMessageType.PUBCOMP, id));
        assertThat(payloads(Packets.publishes(client.received()))).containsExactly("second");
    }

    @Test
    void aRepeatedPubRecIsAnsweredWithPubRelAgain() {
        EmbeddedClient client = subscriber("x2/r", MqttQoS.EXACTLY_ONCE);
        announce(client, "x2/r", store("x2/r", 2, "only"));
        int id = packetId(Packets.publishes(client.received()).get(0));

        client.send(Packets.ack(MqttMessageType.PUBREC, id));
        client.send(Packets.ack(MqttMessageType.PUBREC, id));

        List<MqttMessage> pubRels = client.received();
        assertThat(pubRels).extracting(m -> m.fixedHeader().messageType())
                .containsExactly(MqttMessageType.PUBREL, MqttMessageType.PUBREL);
        assertThat(pubRels).extracting(SessionDeliveryTest::packetId).containsOnly(id);
    }

    @Test
    void aPubAckOrPubCompForAnUnknownPacketIdIsIgnored() {
        gateway.close();
        gateway = new EmbeddedGateway(1, 32);
        EmbeddedClient client = subscriber("unk/t", MqttQoS.AT_LEAST_ONCE);
        store("unk/t", 1, "first");
        announce(client, "unk/t", store("unk/t", 1, "second"));
        int id = packetId(Packets.publishes(client.received()).get(0));
        int unknown = id == 4242 ? 4243 : 4242;

        client.send(Packets.ack(MqttMessageType.PUBACK, unknown));
        client.send(Packets.ack(MqttMessageType.PUBCOMP, unknown));

        assertThat(client.received()).isEmpty();
        assertThat(client.isOpen()).isTrue();
        assertThat(client.session().inflightCount()).isEqualTo(1);
        client.send(Packets.ack(MqttMessageType.PUBACK, id));
        assertThat(payloads(Packets.publishes(client.received()))).containsExactly("second");
    }

    @Test
    void withASmallWindowAndPullBatchEverythingIsStillDeliveredInOrder() {
        gateway.close();
        gateway = new EmbeddedGateway(2, 1);
        EmbeddedClient client = subscriber("slow/t", MqttQoS.AT_LEAST_ONCE);
        long last = -1;
        for (int i = 0; i < 25; i++) {
            last = store("slow/t", 1, "m" + i);
        }

        announce(client, "slow/t", last);

        List<String> delivered = new ArrayList<>();
        List<MqttPublishMessage> outstanding = new ArrayList<>(Packets.publishes(client.received()));
        assertThat(outstanding).hasSize(2);
        while (!outstanding.isEmpty()) {
            MqttPublishMessage next = outstanding.remove(0);
            delivered.add(Packets.payload(next));
            client.send(Packets.ack(MqttMessageType.PUBACK, packetId(next)));
            outstanding.addAll(Packets.publishes(client.received()));
            assertThat(outstanding.size()).isLessThanOrEqualTo(2);
        }
        assertThat(delivered).containsExactlyElementsOf(IntStream.range(0, 25).mapToObj(i -> "m" + i).toList());
    }

    @Test
    void anEventAheadOfTheStoreIsPulledAgainUntilTheMessageIsReadable() {
        EmbeddedClient client = subscriber("lag/t", MqttQoS.AT_LEAST_ONCE);
        long first = store("lag/t", 1, "m0");

        // The event says two messages exist; only one is readable yet (LMQ dispatch lags).
        announce(client, "lag/t", first + 1);
        assertThat(payloads(Packets.publishes(client.received()))).containsExactly("m0");

        store("lag/t", 1, "m1");
        client.channel().advanceTimeBy(2, java.util.concurrent.TimeUnit.SECONDS);
        client.channel().runScheduledPendingTasks();
        client.runTasks();

        assertThat(payloads(Packets.publishes(client.received()))).containsExactly("m1");
    }

    @Test
    void everySubscriberOfAFilterOnThisNodeGetsEveryMessage() {
        EmbeddedClient first = subscriber("fan/+", MqttQoS.AT_LEAST_ONCE);
        EmbeddedClient second = gateway.connect();
        second.connect("sub-2");
        second.subscribe(1, "fan/+", MqttQoS.AT_MOST_ONCE);
        long offset = gateway.store.maxOffsets(LmqNames.of("fan/+")).join().get(BROKER);
        store("fan/a", 1, false, "one", Set.of("fan/+"));
        store("fan/b", 1, false, "two", Set.of("fan/+"));

        gateway.dispatch(new TopicEvent(BROKER, "fan/b", List.of(LmqNames.of("fan/+")), List.of(offset + 1)));
        first.runTasks();
        second.runTasks();

        List<MqttPublishMessage> toFirst = Packets.publishes(first.received());
        List<MqttPublishMessage> toSecond = Packets.publishes(second.received());
        assertThat(payloads(toFirst)).containsExactly("one", "two");
        assertThat(payloads(toSecond)).containsExactly("one", "two");
        assertThat(toFirst).extracting(m -> m.variableHeader().topicName()).containsExactly("fan/a", "fan/b");
        assertThat(toFirst).extracting(m -> m.fixedHeader().qosLevel()).containsOnly(MqttQoS.AT_LEAST_ONCE);
        assertThat(toSecond).extracting(m -> m.fixedHeader().qosLevel()).containsOnly(MqttQoS.AT_MOST_ONCE);
    }

    @Test
    void messagesStoredBeforeTheSubscriptionAreNotDelivered() {
        long old = store("late/t", 1, "before");
        EmbeddedClient client = subscriber("late/t", MqttQoS.AT_LEAST_ONCE);

        announce(client, "late/t", old);
        assertThat(client.received()).isEmpty();

        announce(client, "late/t", store("late/t", 1, "after"));
        assertThat(payloads(Packets.publishes(client.received()))).containsExactly("after");
    }

    @Test
    void aWildcardSubscriptionReadsItsOwnLmqAndSeesTheTopicName() {
        EmbeddedClient client = subscriber("w/+", MqttQoS.AT_LEAST_ONCE);
        assertThat(gateway.meta.matchingWildcardFilters("w/x")).containsExactly("w/+");
        long inFilterLmq = gateway.store.maxOffsets(LmqNames.of("w/+")).join().get(BROKER);
        long inTopicLmq = store("w/x", 1, false, "via-filter", Set.of("w/+"));

        gateway.dispatch(new TopicEvent(BROKER, "w/x", List.of(LmqNames.of("w/x"), LmqNames.of("w/+")),
                List.of(inTopicLmq, inFilterLmq)));
        client.runTasks();

        List<MqttPublishMessage> got = Packets.publishes(client.received());
        assertThat(payloads(got)).containsExactly("via-filter");
        assertThat(got.get(0).variableHeader().topicName()).isEqualTo("w/x");
    }

    @Test
    void anEventForAnotherTopicDeliversNothing() {
        EmbeddedClient client = subscriber("mine/t", MqttQoS.AT_LEAST_ONCE);
        store("mine/t", 1, "not-announced");

        announce(client, "other/t", store("other/t", 1, "elsewhere"));

        assertThat(client.received()).isEmpty();
    }

    @Test
    void messagesOfAnUnsubscribedFilterStop() {
        EmbeddedClient client = gateway.connect();
        client.connect("sub");
        client.subscribe(1, "s/a", MqttQoS.AT_LEAST_ONCE);
        client.subscribe(2, "s/b", MqttQoS.AT_LEAST_ONCE);
        announce(client, "s/a", store("s/a", 1, "a-before"));
        List<MqttPublishMessage> before = Packets.publishes(client.received());
        assertThat(payloads(before)).containsExactly("a-before");

        client.send(Packets.unsubscribe(3, "s/a"));
        assertThat(client.receivedOne(MqttMessageType.UNSUBACK)).isNotNull();
        announce(client, "s/a", store("s/a", 1, "a-after"));
        announce(client, "s/b", store("s/b", 1, "b-after"));

        assertThat(payloads(Packets.publishes(client.received()))).containsExactly("b-after");
        // The delivery already under way can still be acknowledged.
        assertThat(client.session().inflightCount()).isEqualTo(2);
        client.send(Packets.ack(MqttMessageType.PUBACK, packetId(before.get(0))));
        assertThat(client.session().inflightCount()).isEqualTo(1);
    }

    @Test
    void aDevicePublicationReachesASubscriberOfTheSameGateway() {
        EmbeddedClient subscriber = subscriber("room/+/temp", MqttQoS.AT_LEAST_ONCE);
        EmbeddedClient publisher = gateway.connect();
        publisher.connect("pub");
        long offset = gateway.store.maxOffsets(LmqNames.of("room/+/temp")).join().get(BROKER);

        publisher.send(Packets.publish("room/1/temp", MqttQoS.AT_LEAST_ONCE, 1, "21.5"));
        assertThat(publisher.receivedOne(MqttMessageType.PUBACK)).isNotNull();
        gateway.dispatch(new TopicEvent(BROKER, "room/1/temp", List.of(LmqNames.of("room/+/temp")), List.of(offset)));
        subscriber.runTasks();

        List<MqttPublishMessage> got = Packets.publishes(subscriber.received());
        assertThat(payloads(got)).containsExactly("21.5");
        assertThat(got.get(0).variableHeader().topicName()).isEqualTo("room/1/temp");
    }
}
