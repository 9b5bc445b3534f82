package org.rmqtt.bench.mqtt;

import java.util.concurrent.CompletableFuture;
import org.rmqtt.bench.load.MessageSender;

/** Publishes benchmark payloads from one MQTT connection to one topic. */
public final class MqttSender implements MessageSender {

    private final MqttConnection connection;
    private final String topic;
    private final int qos;

    public MqttSender(MqttConnection connection, String topic, int qos) {
        this.connection = connection;
        this.topic = topic;
        this.qos = qos;
    }

    @Override
    public CompletableFuture<?> send(byte[] payload) {
        return connection.publish(topic, qos, payload);
    }
}
