package org.rmqtt.bench.load;

import java.util.concurrent.CompletableFuture;

/**
 * Something that can send one benchmark payload: an MQTT publisher or a RocketMQ producer.
 * The future completes when the server confirmed the message (PUBACK, PUBCOMP, send result) or,
 * for QoS 0, when it was written to the socket.
 */
@FunctionalInterface
public interface MessageSender {
    CompletableFuture<?> send(byte[] payload);
}
