package org.rmqtt.gateway.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
import org.rmqtt.meta.InMemoryMetaClient;
import org.rmqtt.meta.ManualClock;
import org.rmqtt.meta.SessionClaim;
import org.rmqtt.store.PublishRequest;
import org.rmqtt.store.memory.InMemoryMessageStore;

/** CleanSession=0: what a session keeps across connections, on one node with in-memory meta and store. */
class PersistentSessionTest {
    private static final String BROKER = InMemoryMessageStore.BROKER;

    private final EmbeddedGateway gateway = new EmbeddedGateway();

    @AfterEach
    void close() {
        gateway.close();
    }

    /** What came right behind the last CONNACK (a resumed session's deliveries). */
    private List<MqttMessage> behindConnAck = List.of();

    private EmbeddedClient connect(String clientId, boolean clean, boolean sessionPresent) {
        EmbeddedClient client = gateway.connect();
        client.send(Packets.connect(clientId, clean, 60));
        expectConnAck(client.received(), sessionPresent);
        return client;
    }

    private void expectConnAck(List<MqttMessage> got, boolean sessionPresent) {
        assertThat(got).isNotEmpty();
        MqttConnAckMessage connAck = (MqttConnAckMessage) got.get(0);
        assertThat(connAck.variableHeader().connectReturnCode()).isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
        assertThat(connAck.variableHeader().isSessionPresent()).as("sessionPresent").isEqualTo(sessionPresent);
        behindConnAck = got.subList(1, got.size());
    }

    /** Everything sent after the CONNACK so far. */
    private List<MqttMessage> sinceConnAck(EmbeddedClient client) {
        client.runTasks();
        List<MqttMessage> all = new ArrayList<>(behindConnAck);
        behindConnAck = List.of();
        all.addAll(client.received());
        return all;
    }

    private static void disconnect(EmbeddedClient client) {
        client.send(Packets.disconnect());
        assertThat(client.isOpen()).isFalse();
    }

    private long store(String topic, int qos, String payload) {
        long offset = gateway.store.maxOffsets(LmqNames.of(topic)).join().get(BROKER);
        // As a publisher would: dispatched to the wildcard filters meta says are in use.
        gateway.store.publish(new PublishRequest(topic, qos, false, payload.getBytes(StandardCharsets.UTF_8), null,
                gateway.meta.matchingWildcardFilters(topic))).join();
        return offset;
    }

    private void announce(EmbeddedClient client, String topic, long offset) {
        gateway.dispatch(new TopicEvent(BROKER, topic, List.of(LmqNames.of(topic)), List.of(offset)));
        client.runTasks();
    }

    private static int packetId(MqttMessage m) {
        return ((MqttMessageIdVariableHeader) m.variableHeader()).messageId();
    }

    @Test
    void sessionPresentFollowsWhetherTheServerKeptASession() {
        disconnect(connect("c1", true, false));
        // MQTT-3.2.2-3: no session kept yet, so none present.
        disconnect(connect("c1", false, false));
        // MQTT-3.2.2-2: the persistent session is resumed.
        disconnect(connect("c1", false, true));
        // MQTT-3.2.2-1 and 3.1.2-6: a clean session ends the stored one.
        disconnect(connect("c1", true, false));
        disconnect(connect("c1", false, false));
    }

    @Test
    void subscriptionsAndMessagesPublishedWhileAwayAreDeliveredInOrderOnReconnect() {
        EmbeddedClient first = connect("p1", false, false);
        assertThat(first.subscribe(1, "p/+", MqttQoS.AT_LEAST_ONCE).payload().grantedQoSLevels()).containsExactly(1);
        disconnect(first);
        for (int i = 0; i < 5; i++) {
            store("p/" + (i % 2), 1, "away" + i);
            store("elsewhere/" + i, 1, "not subscribed");
        }

        EmbeddedClient again = connect("p1", false, true);

        List<MqttPublishMessage> got = Packets.publishes(sinceConnAck(again));
        assertThat(got).extracting(Packets::payload).containsExactly("away0", "away1", "away2", "away3", "away4");
        assertThat(got).allSatisfy(p -> assertThat(p.fixedHeader().isDup()).isFalse());
        assertThat(again.session().filters()).containsExactly("p/+");
    }

    @Test
    void unacknowledgedMessagesAreResentFirstWithDupAndTheirPacketIds() {
        EmbeddedClient first = connect("p2", false, false);
        first.subscribe(1, "q/1", MqttQoS.AT_LEAST_ONCE);
        long offset = store("q/1", 1, "m0");
        store("q/1", 1, "m1");
        announce(first, "q/1", offset + 1);
        List<MqttPublishMessage> sent = Packets.publishes(first.received());
        assertThat(sent).extracting(Packets::payload).containsExactly("m0", "m1");
        first.send(Packets.ack(MqttMessageType.PUBACK, sent.get(0).variableHeader().packetId()));
        disconnect(first);
        store("q/1", 1, "m2");

        EmbeddedClient again = connect("p2", false, true);

        List<MqttPublishMessage> got = Packets.publishes(sinceConnAck(again));
        assertThat(got).extracting(Packets::payload).containsExactly("m1", "m2");
        assertThat(got.get(0).fixedHeader().isDup()).isTrue();
        assertThat(got.get(0).variableHeader().packetId()).isEqualTo(sent.get(1).variableHeader().packetId());
        assertThat(got.get(1).fixedHeader().isDup()).isFalse();
        assertThat(got.get(1).variableHeader().packetId()).isNotEqualTo(got.get(0).variableHeader().packetId());
    }

    @Test
    void aQos2MessageWhosePubrecCameGetsPubrelAfterReconnectNeverAPublishAgain() {
        EmbeddedClient first = connect("p3", false, false);
        first.subscribe(1, "x/2", MqttQoS.EXACTLY_ONCE);
        announce(first, "x/2", store("x/2", 2, "once"));
        MqttPublishMessage publish = Packets.publishes(first.received()).get(0);
        int id = publish.variableHeader().packetId();
        first.send(Packets.ack(MqttMessageType.PUBREC, id));
        assertThat(packetId(first.receivedOne(MqttMessageType.PUBREL))).isEqualTo(id);
        disconnect(first);

        EmbeddedClient again = connect("p3", false, true);
        // MQTT-4.4.0-1: the PUBREL is sent again with its id; the message itself is not.
        List<MqttMessage> resent = sinceConnAck(again);
        assertThat(resent).extracting(m -> m.fixedHeader().messageType()).containsExactly(MqttMessageType.PUBREL);
        assertThat(packetId(resent.get(0))).isEqualTo(id);
        again.send(Packets.ack(MqttMessageType.PUBCOMP, id));
        assertThat(again.session().inflightCount()).isZero();
        disconnect(again);

        EmbeddedClient third = connect("p3", false, true);
        assertThat(sinceConnAck(third)).isEmpty();
    }

    @Test
    void aQos2PublishResentAfterReconnectIsNotStoredTwice() {
        EmbeddedClient first = connect("p4", false, false);
        first.send(Packets.publish("in/2", MqttQoS.EXACTLY_ONCE, 7, "exactly"));
        assertThat(packetId(first.receivedOne(MqttMessageType.PUBREC))).isEqualTo(7);
        // The connection drops before the client saw the PUBREC: it resends the PUBLISH.
        first.channel().close();
        first.runTasks();

        EmbeddedClient again = connect("p4", false, true);
        again.send(Packets.publishDup("in/2", MqttQoS.EXACTLY_ONCE, 7, "exactly"));
        assertThat(packetId(again.receivedOne(MqttMessageType.PUBREC))).isEqualTo(7);
        again.send(Packets.ack(MqttMessageType.PUBREL, 7));
        assertThat(packetId(again.receivedOne(MqttMessageType.PUBCOMP))).isEqualTo(7);

        assertThat(gateway.store.pull(BROKER, LmqNames.of("in/2"), 0, 10).join().messages())
                .extracting(m -> new String(m.payload(), StandardCharsets.UTF_8)).containsExactly("exactly");
    }

    @Test
    void aQos2PubrecIsSentOnlyOnceItsPacketIdIsSavedWithTheSession() {
        EmbeddedClient client = connect("p8", false, false);
        client.send(Packets.publish("in/8", MqttQoS.EXACTLY_ONCE, 9, "once"));

        assertThat(packetId(client.receivedOne(MqttMessageType.PUBREC))).isEqualTo(9);
        // Saved before the PUBREC, without waiting for a checkpoint: a resend after a crash is recognised.
        SessionState saved = SessionState.decode(gateway.meta.session("p8").join().orElseThrow().state());
        assertThat(saved.releasePending()).containsExactly(9);

        client.send(Packets.ack(MqttMessageType.PUBREL, 9));
        assertThat(packetId(client.receivedOne(MqttMessageType.PUBCOMP))).isEqualTo(9);
    }

    @Test
    void aSecondConnectionTakesTheSessionOverWithItsUnfinishedDeliveries() {
        EmbeddedClient first = connect("p5", false, false);
        first.subscribe(1, "t/5", MqttQoS.AT_LEAST_ONCE);
        announce(first, "t/5", store("t/5", 1, "held"));
        int id = Packets.publishes(first.received()).get(0).variableHeader().packetId();

        EmbeddedClient second = gateway.connect();
        second.send(Packets.connect("p5", false, 60));
        first.runTasks(); // the older connection hands its session over on its own loop
        second.runTasks();
        expectConnAck(second.received(), true);

        assertThat(first.isOpen()).isFalse();
        List<MqttPublishMessage> got = Packets.publishes(sinceConnAck(second));
        assertThat(got).extracting(Packets::payload).containsExactly("held");
        assertThat(got.get(0).fixedHeader().isDup()).isTrue();
        assertThat(got.get(0).variableHeader().packetId()).isEqualTo(id);
        assertThat(gateway.registry.connectedCount()).isEqualTo(1);
    }

    @Test
    void anUnreadableSessionStateIsLoggedAndTheSessionStartsFreshWithItsSubscriptions() {
        EmbeddedClient first = connect("p6", false, false);
        first.subscribe(1, "u/6", MqttQoS.AT_LEAST_ONCE);
        disconnect(first);
        long epoch = gateway.meta.claimSession("p6", "probe", false, 0).join().epoch();
        assertThat(gateway.meta.saveSession("p6", "probe", epoch, new byte[] {42, 1, 2}, true).join()).isTrue();

        EmbeddedClient again = connect("p6", false, true);
        assertThat(sinceConnAck(again)).isEmpty();
        assertThat(again.session().filters()).containsExactly("u/6");
        announce(again, "u/6", store("u/6", 1, "after"));
        assertThat(Packets.publishes(again.received())).extracting(Packets::payload).containsExactly("after");
    }

    @Test
    void anExpiredSessionIsGoneWithItsSubscriptionsAndItsFilterStopsBeingInUse() {
        ManualClock clock = new ManualClock();
        InMemoryMetaClient meta = new InMemoryMetaClient(clock, Duration.ofDays(365));
        EmbeddedGateway expiring = new EmbeddedGateway(32, 32, meta, Duration.ofHours(1));
        try {
            EmbeddedClient client = expiring.connect();
            client.send(Packets.connect("brief", false, 60));
            client.received();
            client.subscribe(1, "exp/+", MqttQoS.AT_LEAST_ONCE);
            client.send(Packets.disconnect());
            assertThat(meta.matchingWildcardFilters("exp/1")).containsExactly("exp/+");

            clock.advance(Duration.ofMinutes(59));
            assertThat(meta.matchingWildcardFilters("exp/1")).as("kept while the expiry runs").containsExactly("exp/+");
            clock.advance(Duration.ofMinutes(2));

            EmbeddedClient again = expiring.connect();
            again.send(Packets.connect("brief", false, 60));
            MqttConnAckMessage connAck = (MqttConnAckMessage) again.received().get(0);
            assertThat(connAck.variableHeader().isSessionPresent()).isFalse();
            assertThat(again.session().filters()).isEmpty();
            assertThat(meta.matchingWildcardFilters("exp/1")).isEmpty();
        } finally {
            expiring.close();
        }
    }

    @Test
    void aCheckpointSavesWhatChangedWhileConnectedAndNothingWhenNothingDid() {
        EmbeddedClient client = connect("p7", false, false);
        client.subscribe(1, "ck/1", MqttQoS.AT_LEAST_ONCE);
        long first = store("ck/1", 1, "a");
        store("ck/1", 1, "b");
        announce(client, "ck/1", first + 1);
        List<MqttPublishMessage> sent = Packets.publishes(client.received());
        client.send(Packets.ack(MqttMessageType.PUBACK, sent.get(0).variableHeader().packetId()));

        gateway.registry.checkpoint();
        client.runTasks();

        SessionState saved = SessionState.decode(gateway.meta.session("p7").join().orElseThrow().state());
        assertThat(saved.complete()).isFalse();
        assertThat(saved.positions()).containsExactly(new SessionState.Position("ck/1", BROKER, first + 2));
        assertThat(saved.unacked()).extracting(SessionState.Unacked::offset).containsExactly(first + 1);

        // Nothing changed since: the next checkpoint writes nothing (the state stays as saved).
        long epoch = client.session().epoch();
        assertThat(gateway.meta.saveSession("p7", EmbeddedGateway.NODE_ID, epoch, new byte[0], false).join()).isTrue();
        gateway.registry.checkpoint();
        client.runTasks();
        assertThat(gateway.meta.session("p7").join().orElseThrow().state()).isEmpty();
    }

    @Test
    void afterALapsedLeaseTheNodeTakesBackItsClaimsAndClosesWhatWasTakenOverMeanwhile() {
        EmbeddedClient kept = connect("lease-kept", false, false);
        EmbeddedClient lost = connect("lease-lost", true, false);
        gateway.meta.leave(EmbeddedGateway.NODE_ID).join(); // what a lapsed lease does to the claims
        gateway.meta.claimSession("lease-lost", "other-node").join();

        gateway.registry.reclaimAll();
        kept.runTasks();
        lost.runTasks();

        assertThat(kept.isOpen()).isTrue();
        assertThat(lost.isOpen()).isFalse();
        SessionClaim next = gateway.meta.claimSession("lease-kept", "probe", false, 0).join();
        assertThat(next.previousNodeId()).isEqualTo(EmbeddedGateway.NODE_ID);
        assertThat(next.previousEpoch()).isEqualTo(kept.session().epoch());
    }

    @Test
    void aClientThatNeverAcknowledgesStopsAtItsWindow() {
        EmbeddedGateway small = new EmbeddedGateway(4, 4);
        try {
            EmbeddedClient client = small.connect();
            client.send(Packets.connect("slow", false, 60));
            client.received();
            client.subscribe(1, "w/1", MqttQoS.AT_LEAST_ONCE);
            long offset = 0;
            for (int i = 0; i < 50; i++) {
                offset = small.store.maxOffsets(LmqNames.of("w/1")).join().get(BROKER);
                small.store.publish(new PublishRequest("w/1", 1, false, new byte[] {(byte) i}, null, Set.of())).join();
            }
            small.dispatch(new TopicEvent(BROKER, "w/1", List.of(LmqNames.of("w/1")), List.of(offset)));
            client.runTasks();
            assertThat(client.received()).hasSize(4);
            assertThat(client.session().inflightCount()).isEqualTo(4);
        } finally {
            small.close();
        }
    }

    @Test
    void aTakeoverBelowTheLocalConnectionsEpochIsIgnoredAndCounted() {
        EmbeddedClient client = connect("stale", false, false);
        long epoch = org.rmqtt.gateway.connection.ConnectionContext.of(client.channel()).session().epoch();
        gateway.registry.handOver("stale", epoch - 1);
        client.runTasks();
        assertThat(client.isOpen()).as("the newer connection stays").isTrue();
        assertThat(gateway.counters.get(org.rmqtt.common.health.Counters.Name.STALE_TAKEOVERS)).isEqualTo(1);
        var handedOver = gateway.registry.handOver("stale", epoch + 1);
        client.runTasks();
        assertThat(client.isOpen()).as("a newer takeover closes it").isFalse();
        assertThat(handedOver).isDone();
    }
}
