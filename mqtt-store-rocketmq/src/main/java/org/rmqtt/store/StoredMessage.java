package org.rmqtt.store;

/**
 * A message read from an LMQ.
 *
 * @param offset the message's offset in the LMQ it was read from
 */
public record StoredMessage(String topic, int qos, boolean retain, byte[] payload, long offset) {}
