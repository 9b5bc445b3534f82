package org.rmqtt.gateway.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.rmqtt.common.mapping.LmqNames;
import org.rmqtt.common.notify.TopicEvent;
import org.rmqtt.gateway.server.EmbeddedClient;
import org.rmqtt.gateway.server.EmbeddedGateway;
import org.rmqtt.gateway.server.Packets;
import org.rmqtt.store.PublishRequest;
import org.rmqtt.store.memory.InMemoryMessageStore;

/** Events that carry their message: delivered without a pull where the cursor is, pulled otherwise; never twice, never out of order. */
class InlineDeliveryTest {
    private static final String BROKER = InMemoryMessageStore.BROKER;

    private final EmbeddedGateway gateway = new EmbeddedGateway();
    private final List<String> delivered = new ArrayList<>();

    @AfterEach
    void close() {
        gateway.close();
    }

    private EmbeddedClient subscriber(String filter) {
        EmbeddedClient client = gateway.connect();
        client.connect("sub");
        assertThat(client.subscribe(1, filter, MqttQoS.AT_MOST_ONCE).payload().grantedQoSLevels()).containsExactly(0);
        return client;
    }

    private long store(String topic, String payload) {
        long offset = gateway.store.maxOffsets(LmqNames.of(topic)).join().get(BROKER);
        gateway.store.publish(new PublishRequest(topic, 0, false, payload.getBytes(StandardCharsets.UTF_8), null, Set.of())).join();
        return offset;
    }

    /** What a notifier sends for a small message: the event with the message in it. */
    private void announceWithMessage(EmbeddedClient client, String topic, long offset, String payload) {
        gateway.dispatch(new TopicEvent(BROKER, topic, List.of(LmqNames.of(topic)), List.of(offset),
                new TopicEvent.InlineMessage(0, false, payload.getBytes(StandardCharsets.UTF_8))));
        client.runTasks();
        collect(client);
    }

    private void announce(EmbeddedClient client, String topic, long offset) {
        gateway.dispatch(new TopicEvent(BROKER, topic, List.of(LmqNames.of(topic)), List.of(offset)));
        client.runTasks();
        collect(client);
    }

    private void collect(EmbeddedClient client) {
        Packets.publishes(client.received()).stream().map(Packets::payload).forEach(delivered::add);
    }

    @Test
    void aMessageInTheEventAtTheCursorIsDeliveredWithoutAPull() {
        EmbeddedClient client = subscriber("in/1");
        long pulls = gateway.store.pulls();

        announceWithMessage(client, "in/1", store("in/1", "m0"), "m0");
        announceWithMessage(client, "in/1", store("in/1", "m1"), "m1");

        assertThat(delivered).containsExactly("m0", "m1");
        assertThat(gateway.store.pulls()).isEqualTo(pulls);
    }

    @Test
    void inlineAndPulledMessagesAreDeliveredOnceAndInOrder() {
        EmbeddedClient client = subscriber("in/2");
        store("in/2", "m0");
        store("in/2", "m1");
        // The events of m0 and m1 were lost: the cursor is behind, so m2 is pulled with them.
        announceWithMessage(client, "in/2", store("in/2", "m2"), "m2");
        long m3 = store("in/2", "m3");
        announceWithMessage(client, "in/2", m3, "m3");
        // A late or repeated event of a message already delivered changes nothing.
        announceWithMessage(client, "in/2", m3, "m3");
        announce(client, "in/2", m3);

        assertThat(delivered).containsExactly("m0", "m1", "m2", "m3");
    }

    @Test
    void anEventWithoutItsMessageIsPulledAsBefore() {
        EmbeddedClient client = subscriber("in/3");
        long pulls = gateway.store.pulls();

        // A payload over notify.inlineMaxBytes: the notifier sends the event alone.
        announce(client, "in/3", store("in/3", "large"));
        announceWithMessage(client, "in/3", store("in/3", "small"), "small");

        assertThat(delivered).containsExactly("large", "small");
        assertThat(gateway.store.pulls()).isGreaterThan(pulls);
    }

    @Test
    void aWildcardSubscriptionTakesTheMessageAtItsOwnLmqOffset() {
        EmbeddedClient client = subscriber("in/+");
        long pulls = gateway.store.pulls();
        long wildcardOffset = gateway.store.maxOffsets(LmqNames.of("in/+")).join().get(BROKER);
        gateway.store.publish(new PublishRequest("in/4", 0, false, "w".getBytes(StandardCharsets.UTF_8), null,
                Set.of("in/+"))).join();

        gateway.dispatch(new TopicEvent(BROKER, "in/4", List.of(LmqNames.of("in/4"), LmqNames.of("in/+")),
                List.of(0L, wildcardOffset), new TopicEvent.InlineMessage(0, false, "w".getBytes(StandardCharsets.UTF_8))));
        client.runTasks();
        collect(client);

        assertThat(delivered).containsExactly("w");
        assertThat(gateway.store.pulls()).isEqualTo(pulls);
        List<MqttPublishMessage> none = Packets.publishes(client.received());
        assertThat(none).isEmpty();
    }
}
