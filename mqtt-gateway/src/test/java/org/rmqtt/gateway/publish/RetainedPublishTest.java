package org.rmqtt.gateway.publish;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.rmqtt.common.mapping.LmqNames;
import org.rmqtt.common.notify.TopicEvent;
import org.rmqtt.gateway.server.EmbeddedClient;
import org.rmqtt.gateway.server.EmbeddedGateway;
import org.rmqtt.gateway.server.Packets;
import org.rmqtt.meta.InMemoryMetaClient;
import org.rmqtt.meta.RetainedMessage;
import org.rmqtt.store.StoredMessage;
import org.rmqtt.store.memory.InMemoryMessageStore;

/** Retained messages on the in-memory ports: kept in meta, sent after the SUBACK with RETAIN=1, limits. */
class RetainedPublishTest {
    private EmbeddedGateway gateway = new EmbeddedGateway();

    @AfterEach
    void close() {
        gateway.close();
    }

    private EmbeddedClient client(String clientId) {
        EmbeddedClient c = gateway.connect();
        c.connect(clientId);
        return c;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private List<RetainedMessage> retained(String filter) {
        return gateway.meta.retained(filter).join();
    }

    private List<StoredMessage> stored(String topic) {
        return gateway.store.pull(InMemoryMessageStore.BROKER, LmqNames.of(topic), 0, 100).join().messages();
    }

    /** SUBSCRIBE, then what came back: the SUBACK first, then the PUBLISH packets. */
    private List<MqttPublishMessage> subscribe(EmbeddedClient c, int packetId, String filter, MqttQoS qos) {
        c.send(Packets.subscribe(packetId, filter, qos));
        c.runTasks();
        List<MqttMessage> got = c.received();
        assertThat(got).isNotEmpty();
        assertThat(got.get(0)).isInstanceOf(MqttSubAckMessage.class);
        assertThat(((MqttSubAckMessage) got.get(0)).payload().grantedQoSLevels()).containsExactly(qos.value());
        return Packets.publishes(got.subList(1, got.size()));
    }

    @Test
    void aRetainedPublishIsKeptAndSentWithRetainOneAfterTheSubackOfANewSubscription() {
        EmbeddedClient pub = client("pub");
        pub.send(Packets.publishRetained("r/1", MqttQoS.AT_LEAST_ONCE, 3, bytes("on")));
        pub.runTasks();
        assertThat(pub.receivedOne(MqttMessageType.PUBACK)).isNotNull();
        assertThat(retained("r/1")).containsExactly(new RetainedMessage("r/1", bytes("on"), 1));
        assertThat(stored("r/1")).singleElement().satisfies(m -> assertThat(m.retain()).isTrue());

        List<MqttPublishMessage> sent = subscribe(client("sub"), 1, "r/+", MqttQoS.EXACTLY_ONCE);
        assertThat(sent).singleElement().satisfies(p -> {
            assertThat(p.fixedHeader().isRetain()).isTrue();
            assertThat(p.fixedHeader().qosLevel()).isEqualTo(MqttQoS.AT_LEAST_ONCE);
            assertThat(p.variableHeader().topicName()).isEqualTo("r/1");
            assertThat(Packets.payload(p)).isEqualTo("on");
        });
    }

    @Test
    void retainedMessagesGoOutAtTheLowerOfTheirQosAndTheGrantedQos() {
        client("pub").send(Packets.publishRetained("q/2", MqttQoS.EXACTLY_ONCE, 1, bytes("x")));
        assertThat(subscribe(client("sub"), 1, "q/#", MqttQoS.AT_MOST_ONCE))
                .singleElement().satisfies(p -> assertThat(p.fixedHeader().qosLevel()).isEqualTo(MqttQoS.AT_MOST_ONCE));
    }

    @Test
    void aNewRetainedMessageReplacesTheOldAndAnEmptyOneClearsIt() {
        EmbeddedClient pub = client("pub");
        pub.send(Packets.publishRetained("c/1", MqttQoS.AT_MOST_ONCE, 0, bytes("old")));
        pub.send(Packets.publishRetained("c/1", MqttQoS.AT_MOST_ONCE, 0, bytes("new")));
        pub.runTasks();
        assertThat(subscribe(client("s1"), 1, "c/1", MqttQoS.AT_LEAST_ONCE)).extracting(Packets::payload).containsExactly("new");

        pub.send(Packets.publishRetained("c/1", MqttQoS.AT_LEAST_ONCE, 5, new byte[0]));
        pub.runTasks();
        assertThat(pub.receivedOne(MqttMessageType.PUBACK)).isNotNull();
        assertThat(retained("c/1")).isEmpty();
        assertThat(subscribe(client("s2"), 1, "c/1", MqttQoS.AT_LEAST_ONCE)).isEmpty();
        // The clearing message itself is an ordinary, stored, zero-length message.
        assertThat(stored("c/1")).last().satisfies(m -> assertThat(m.payload()).isEmpty());
    }

    @Test
    void anExistingSubscriberGetsARetainedPublishWithRetainZero() {
        EmbeddedClient sub = client("sub");
        assertThat(subscribe(sub, 1, "e/1", MqttQoS.AT_LEAST_ONCE)).isEmpty();
        client("pub").send(Packets.publishRetained("e/1", MqttQoS.AT_LEAST_ONCE, 1, bytes("live")));
        gateway.dispatch(new TopicEvent(InMemoryMessageStore.BROKER, "e/1", List.of(LmqNames.of("e/1")), List.of(0L)));
        sub.runTasks();
        assertThat(Packets.publishes(sub.received())).singleElement().satisfies(p -> {
            assertThat(p.fixedHeader().isRetain()).isFalse();
            assertThat(Packets.payload(p)).isEqualTo("live");
        });
    }

    @Test
    void theStoredCopyOfARetainedMessageDispatchedBehindTheSubscriptionStartIsNotSentTwice() {
        // As when LMQ dispatch lags the PUBACK: meta has the retained message, the LMQ gets it just after the SUBSCRIBE.
        gateway.meta.retain(new RetainedMessage("lag/1", bytes("v"), 1)).join();
        EmbeddedClient sub = client("sub");
        assertThat(subscribe(sub, 1, "lag/1", MqttQoS.AT_LEAST_ONCE)).singleElement()
                .satisfies(p -> assertThat(p.fixedHeader().isRetain()).isTrue());
        gateway.store.publish(new org.rmqtt.store.PublishRequest("lag/1", 1, true, bytes("v"), "pub", java.util.Set.of())).join();
        gateway.store.publish(new org.rmqtt.store.PublishRequest("lag/1", 1, false, bytes("next"), "pub", java.util.Set.of())).join();
        gateway.dispatch(new TopicEvent(InMemoryMessageStore.BROKER, "lag/1", List.of(LmqNames.of("lag/1")), List.of(1L)));
        sub.runTasks();
        assertThat(Packets.publishes(sub.received())).extracting(Packets::payload).containsExactly("next");
    }

    @Test
    void subscribingAgainSendsTheRetainedMessagesAgain() {
        client("pub").send(Packets.publishRetained("a/1", MqttQoS.AT_MOST_ONCE, 0, bytes("v")));
        EmbeddedClient sub = client("sub");
        assertThat(subscribe(sub, 1, "a/+", MqttQoS.AT_MOST_ONCE)).hasSize(1);
        assertThat(subscribe(sub, 2, "a/+", MqttQoS.AT_MOST_ONCE)).singleElement()
                .satisfies(p -> assertThat(p.fixedHeader().isRetain()).isTrue());
    }

    @Test
    void aRetainedPayloadOverTheLimitClosesAQos1PublisherAndDropsQos0() {
        gateway.close();
        gateway = new EmbeddedGateway(32, 32, new InMemoryMetaClient(), Duration.ofDays(7), 0, 4);

        EmbeddedClient qos0 = client("p0");
        qos0.send(Packets.publishRetained("big/0", MqttQoS.AT_MOST_ONCE, 0, bytes("12345")));
        qos0.runTasks();
        assertThat(qos0.isOpen()).isTrue();
        assertThat(stored("big/0")).isEmpty();
        assertThat(retained("big/0")).isEmpty();

        EmbeddedClient qos1 = client("p1");
        qos1.send(Packets.publishRetained("big/1", MqttQoS.AT_LEAST_ONCE, 1, bytes("12345")));
        qos1.runTasks();
        assertThat(qos1.received()).isEmpty();
        assertThat(qos1.isOpen()).isFalse();
        assertThat(stored("big/1")).isEmpty();

        EmbeddedClient fits = client("p2");
        fits.send(Packets.publishRetained("big/2", MqttQoS.AT_LEAST_ONCE, 1, bytes("1234")));
        fits.runTasks();
        assertThat(fits.receivedOne(MqttMessageType.PUBACK)).isNotNull();
        assertThat(retained("big/2")).hasSize(1);
    }

    @Test
    void aTopicBeyondRetainedMaxIsRefusedWhileReplacingStillWorks() {
        gateway.close();
        gateway = new EmbeddedGateway(32, 32, new InMemoryMetaClient(), Duration.ofDays(7), 1, 1024);

        EmbeddedClient pub = client("pub");
        pub.send(Packets.publishRetained("m/1", MqttQoS.AT_LEAST_ONCE, 1, bytes("a")));
        pub.send(Packets.publishRetained("m/1", MqttQoS.AT_LEAST_ONCE, 2, bytes("b")));
        pub.runTasks();
        assertThat(pub.received()).hasSize(2);
        assertThat(retained("m/1")).extracting(m -> new String(m.payload(), StandardCharsets.UTF_8)).containsExactly("b");

        pub.send(Packets.publishRetained("m/2", MqttQoS.AT_LEAST_ONCE, 3, bytes("c")));
        pub.runTasks();
        assertThat(pub.received()).as("no PUBACK").isEmpty();
        assertThat(pub.isOpen()).isFalse();
        assertThat(retained("m/2")).isEmpty();
        assertThat(stored("m/2")).isEmpty();
    }
}
