package org.rmqtt.bench.mqtt;

import java.nio.ByteBuffer;

/** Receives the payload of every PUBLISH a subscriber gets, on the connection's I/O thread. */
@FunctionalInterface
public interface MessageHandler {

    /**
     * @param payload      valid only during the call
     * @param receivedNanos {@link System#nanoTime()} when the PUBLISH was decoded
     */
    void onMessage(ByteBuffer payload, long receivedNanos);
}
