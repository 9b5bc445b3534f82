package org.rmqtt.distribution;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/** Paho clients of the processes under test: a subscriber that queues what it receives, a QoS 1 publish. */
final class MqttClients {
    private MqttClients() {
    }

    /** A connected subscriber of {@code filter} at QoS 1; received payloads go to {@link Subscriber#received}. */
    static Subscriber subscribe(int port, String clientId, String filter) throws MqttException {
        MqttClient client = new MqttClient("tcp://127.0.0.1:" + port, clientId, new MemoryPersistence());
        Subscriber subscriber = new Subscriber(client);
        client.setCallback(subscriber);
        client.connect(options());
        client.subscribe(filter, 1);
        return subscriber;
    }

    /** Connects, publishes at QoS 1 (returns after the PUBACK), disconnects. */
    static void publish(int port, String clientId, String topic, String payload) throws MqttException {
        MqttClient client = new MqttClient("tcp://127.0.0.1:" + port, clientId, new MemoryPersistence());
        try {
            client.connect(options());
            MqttMessage message = new MqttMessage(payload.getBytes(StandardCharsets.UTF_8));
            message.setQos(1);
            client.publish(topic, message);
            client.disconnect();
        } finally {
            client.close(true);
        }
    }

    private static MqttConnectOptions options() {
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(true);
        options.setConnectionTimeout(30);
        options.setAutomaticReconnect(false);
        return options;
    }

    static final class Subscriber implements MqttCallback, AutoCloseable {
        private final MqttClient client;
        private final BlockingQueue<String> received = new LinkedBlockingQueue<>();

        private Subscriber(MqttClient client) {
            this.client = client;
        }

        /** The next payload received as "topic payload", or null after {@code seconds}. */
        String next(int seconds) throws InterruptedException {
            return received.poll(seconds, TimeUnit.SECONDS);
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            received.add(topic + " " + new String(message.getPayload(), StandardCharsets.UTF_8));
        }

        @Override
        public void connectionLost(Throwable cause) {
        }

        @Override
        public void deliveryComplete(IMqttDeliveryToken token) {
        }

        @Override
        public void close() {
            try {
                if (client.isConnected()) {
                    client.disconnectForcibly(1000, 1000);
                }
                client.close(true);
            } catch (MqttException e) {
                // the server may be gone already
            }
        }
    }
}
