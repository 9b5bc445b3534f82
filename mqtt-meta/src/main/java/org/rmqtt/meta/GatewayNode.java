package org.rmqtt.meta;

import java.util.Objects;

/**
 * A gateway of the cluster.
 *
 * @param id            unique, stable node id
 * @param notifyAddress host:port of the node's notify (RocketMQ remoting) endpoint
 * @param mqttAddress   host:port of the node's MQTT listener, for operators
 */
public record GatewayNode(String id, String notifyAddress, String mqttAddress) {
    public GatewayNode {
        MetaValidation.id("node id", id);
        Objects.requireNonNull(notifyAddress, "notifyAddress");
        Objects.requireNonNull(mqttAddress, "mqttAddress");
    }
}
