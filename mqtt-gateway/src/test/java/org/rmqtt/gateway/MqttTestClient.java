package org.rmqtt.gateway;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
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

/** A real Eclipse Paho client that records what it receives. */
public final class MqttTestClient implements AutoCloseable {
    /** @param atNanos when it arrived ({@link System#nanoTime}) */
    public record Received(String topic, String payload, int qos, boolean retained, boolean duplicate, long atNanos) {}

    private final MqttClient client;
    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private volatile Throwable connectionLost;
    private final boolean sessionPresent;

    public MqttTestClient(int port) {
        this(port, "it-" + UUID.randomUUID().toString().substring(0, 12), 1000);
    }

    public MqttTestClient(int port, String clientId, int maxInflight) {
        this(port, clientId, maxInflight, true);
    }

    public MqttTestClient(int port, String clientId, int maxInflight, boolean cleanSession) {
        try {
            client = new MqttClient("tcp://127.0.0.1:" + port, clientId, new MemoryPersistence());
            // Paho can wait for ever on a connect whose connection is closed right after the
            // CONNACK (a takeover): bound every blocking call.
            client.setTimeToWait(30_000);
            client.setCallback(new MqttCallback() {
                @Override
                public void connectionLost(Throwable cause) {
                    connectionLost = cause;
                }

                @Override
                public void messageArrived(String topic, MqttMessage message) {
                    received.add(new Received(topic, new String(message.getPayload(), StandardCharsets.UTF_8),
                            message.getQos(), message.isRetained(), message.isDuplicate(), System.nanoTime()));
                }

                @Override
                public void deliveryComplete(IMqttDeliveryToken token) {
                }
            });
            MqttConnectOptions options = new MqttConnectOptions();
            options.setCleanSession(cleanSession);
            options.setMaxInflight(maxInflight);
            options.setKeepAliveInterval(30);
            options.setAutomaticReconnect(false);
            sessionPresent = client.connectWithResult(options).getSessionPresent();
        } catch (MqttException e) {
            throw new IllegalStateException("connect failed: " + e, e);
        }
    }

    /** The CONNACK's sessionPresent flag. */
    public boolean sessionPresent() {
        return sessionPresent;
    }

    public MqttClient paho() {
        return client;
    }

    public void subscribe(String filter, int qos) throws MqttException {
        int[] granted = client.subscribeWithResponse(new String[] {filter}, new int[] {qos}).getGrantedQos();
        if (granted[0] == 0x80) {
            throw new IllegalStateException("subscription to " + filter + " refused");
        }
    }

    public void publish(String topic, String payload, int qos) throws MqttException {
        client.publish(topic, payload.getBytes(StandardCharsets.UTF_8), qos, false);
    }

    /** Waits for the next message, or null after {@code timeout}. */
    public Received next(Duration timeout) throws InterruptedException {
        return received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Collects {@code count} messages whose topic starts with {@code prefix}, or what came before the timeout. */
    public List<Received> collect(String prefix, int count, Duration timeout) throws InterruptedException {
        return collect(topic -> topic.startsWith(prefix), count, timeout);
    }

    /** Collects {@code count} messages whose topic passes {@code filter}; others are dropped. */
    public List<Received> collect(java.util.function.Predicate<String> filter, int count, Duration timeout)
            throws InterruptedException {
        List<Received> result = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (result.size() < count) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            Received r = received.poll(left, TimeUnit.NANOSECONDS);
            if (r != null && filter.test(r.topic())) {
                result.add(r);
            }
        }
        return result;
    }

    public boolean isConnected() {
        return client.isConnected();
    }

    public Throwable connectionLost() {
        return connectionLost;
    }

    @Override
    public void close() {
        try {
            if (client.isConnected()) {
                client.disconnect(2_000);
            }
            client.close(true);
        } catch (MqttException ignored) {
            // the test is over
        }
    }
}
