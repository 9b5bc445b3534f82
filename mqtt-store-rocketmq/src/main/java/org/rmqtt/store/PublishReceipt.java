package org.rmqtt.store;

/** The broker's confirmation of a write. */
public record PublishReceipt(String messageId, String brokerName) {}
