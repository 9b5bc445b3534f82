package org.rmqtt.gateway.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.rmqtt.gateway.conformance.Target.unique;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.suback.Mqtt3SubAckReturnCode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The main flows with a second client library, the HiveMQ MQTT client (its own codec and state
 * machine, unlike Paho): connect, subscribe, QoS 0/1/2 both ways, unsubscribe, persistent session.
 */
class HiveMqClientIT {
    private static final long WAIT_SECONDS = 15;
    private static Target target;

    @BeforeAll
    static void start() {
        target = Target.start();
    }

    @AfterAll
    static void stop() {
        target.close();
    }

    private static Mqtt3BlockingClient client(String clientId) {
        return MqttClient.builder().useMqttVersion3().identifier(clientId)
                .serverHost(target.host()).serverPort(target.port()).buildBlocking();
    }

    private static List<Mqtt3Publish> receive(Mqtt3BlockingClient.Mqtt3Publishes publishes, int count) throws InterruptedException {
        List<Mqtt3Publish> got = new ArrayList<>();
        while (got.size() < count) {
            Optional<Mqtt3Publish> p = publishes.receive(WAIT_SECONDS, TimeUnit.SECONDS);
            if (p.isEmpty()) {
                break;
            }
            got.add(p.get());
        }
        return got;
    }

    private static String text(Mqtt3Publish p) {
        return new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void qos0And1And2PublishAndReceiveThenUnsubscribe() throws Exception {
        String root = unique("hive/");
        Mqtt3BlockingClient subscriber = client(unique("hs"));
        Mqtt3BlockingClient publisher = client(unique("hp"));
        try (Mqtt3BlockingClient.Mqtt3Publishes publishes = subscriber.publishes(MqttGlobalPublishFilter.ALL)) {
            assertThat(subscriber.connectWith().cleanSession(true).send().isSessionPresent()).isFalse();
            publisher.connect();
            assertThat(subscriber.subscribeWith().topicFilter(root + "/#").qos(MqttQos.EXACTLY_ONCE).send().getReturnCodes())
                    .containsExactly(Mqtt3SubAckReturnCode.SUCCESS_MAXIMUM_QOS_2);
            for (MqttQos qos : MqttQos.values()) {
                publisher.publishWith().topic(root + "/q" + qos.getCode()).qos(qos)
                        .payload(("qos" + qos.getCode()).getBytes(StandardCharsets.UTF_8)).send();
            }
            List<Mqtt3Publish> got = receive(publishes, 3);
            assertThat(got).extracting(HiveMqClientIT::text).containsExactly("qos0", "qos1", "qos2");
            assertThat(got).extracting(Mqtt3Publish::getQos)
                    .containsExactly(MqttQos.AT_MOST_ONCE, MqttQos.AT_LEAST_ONCE, MqttQos.EXACTLY_ONCE);
            assertThat(got).extracting(Mqtt3Publish::getTopic).extracting(Object::toString)
                    .containsExactly(root + "/q0", root + "/q1", root + "/q2");

            subscriber.unsubscribeWith().topicFilter(root + "/#").send();
            subscriber.subscribeWith().topicFilter(root + "/marker").qos(MqttQos.AT_LEAST_ONCE).send();
            publisher.publishWith().topic(root + "/after").qos(MqttQos.AT_LEAST_ONCE).payload(new byte[] {1}).send();
            publisher.publishWith().topic(root + "/marker").qos(MqttQos.AT_LEAST_ONCE).payload(new byte[] {2}).send();
            assertThat(receive(publishes, 1)).extracting(p -> p.getTopic().toString()).containsExactly(root + "/marker");
        } finally {
            subscriber.disconnect();
            publisher.disconnect();
        }
    }

    @Test
    void persistentSessionKeepsSubscriptionsAndMessagesWhileAway() throws Exception {
        String clientId = unique("hpers");
        String topic = unique("hive/") + "/away";
        Mqtt3BlockingClient first = client(clientId);
        assertThat(first.connectWith().cleanSession(false).send().isSessionPresent()).isFalse();
        first.subscribeWith().topicFilter(topic).qos(MqttQos.EXACTLY_ONCE).send();
        first.disconnect();

        Mqtt3BlockingClient publisher = client(unique("hp"));
        publisher.connect();
        publisher.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload("while-away-1".getBytes(StandardCharsets.UTF_8)).send();
        publisher.publishWith().topic(topic).qos(MqttQos.EXACTLY_ONCE).payload("while-away-2".getBytes(StandardCharsets.UTF_8)).send();
        publisher.disconnect();

        Mqtt3BlockingClient again = client(clientId);
        try (Mqtt3BlockingClient.Mqtt3Publishes publishes = again.publishes(MqttGlobalPublishFilter.ALL)) {
            assertThat(again.connectWith().cleanSession(false).send().isSessionPresent()).isTrue();
            assertThat(receive(publishes, 2)).extracting(HiveMqClientIT::text).containsExactly("while-away-1", "while-away-2");
        } finally {
            again.disconnect();
        }
        Mqtt3BlockingClient end = client(clientId);
        end.connectWith().cleanSession(true).send();
        end.disconnect();
    }
}
