package org.rmqtt.common.message;

/**
 * Names of the RocketMQ user properties that carry MQTT semantics on a stored message. These are
 * the contract with backend producers and consumers (see docs/backend-integration.md).
 */
public final class MessageProperties {
    /** The MQTT topic name. The only property a backend producer must set. */
    public static final String MQTT_TOPIC = "mqttTopic";
    /** The QoS the message was published with (0, 1 or 2); absent means 1. */
    public static final String MQTT_QOS = "mqttQos";
    /** "true" when the publisher set RETAIN. */
    public static final String MQTT_RETAIN = "mqttRetain";
    /** The clientId of the publishing device; absent for backend messages. */
    public static final String MQTT_CLIENT_ID = "mqttClientId";

    /** QoS of a message whose producer did not say: at-least-once, as RocketMQ itself. */
    public static final int DEFAULT_QOS = 1;

    private MessageProperties() {
    }

    /** Parses the QoS property leniently: anything but 0, 1 or 2 is the default. */
    public static int qos(String value) {
        if (value == null || value.length() != 1) {
            return DEFAULT_QOS;
        }
        int q = value.charAt(0) - '0';
        return q >= 0 && q <= 2 ? q : DEFAULT_QOS;
    }
}
