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

    /**
     * The wildcard filters a gateway found in use for the topic, so that a broker plug-in without
     * access to meta can dispatch to them too. The plug-in keeps only filters that match the topic,
     * so a producer cannot use it to write into unrelated LMQs.
     */
    public static final String MQTT_DISPATCH_FILTERS = "mqttDispatchFilters";

    /**
     * "true" on a message whose MQTT payload is empty. RocketMQ refuses a zero-length body, so such
     * a message carries {@link #EMPTY_PLACEHOLDER} as its body, which readers ignore.
     */
    public static final String MQTT_EMPTY = "mqttEmpty";

    /** The one-byte body of a message with {@link #MQTT_EMPTY}; its value means nothing. */
    private static final byte[] EMPTY_PLACEHOLDER = {0};

    /** QoS of a message whose producer did not say: at-least-once, as RocketMQ itself. */
    public static final int DEFAULT_QOS = 1;

    private MessageProperties() {
    }

    /** Filters as {@code <length>:<filter>} runs: filters may contain any character but U+0000. */
    public static String encodeFilters(java.util.Collection<String> filters) {
        StringBuilder sb = new StringBuilder();
        for (String f : filters) {
            sb.append(f.length()).append(':').append(f);
        }
        return sb.toString();
    }

    /** The inverse of {@link #encodeFilters}; throws IllegalArgumentException on a malformed value. */
    public static java.util.List<String> decodeFilters(String value) {
        java.util.List<String> filters = new java.util.ArrayList<>();
        int i = 0;
        while (i < value.length()) {
            int colon = value.indexOf(':', i);
            if (colon <= i) {
                throw new IllegalArgumentException("malformed filter list at " + i);
            }
            int len = Integer.parseInt(value.substring(i, colon));
            int end = colon + 1 + len;
            if (len < 0 || end > value.length()) {
                throw new IllegalArgumentException("malformed filter list at " + i);
            }
            filters.add(value.substring(colon + 1, end));
            i = end;
        }
        return filters;
    }

    /** The body to store for an MQTT payload: a placeholder when it is empty (then set {@link #MQTT_EMPTY}). */
    public static byte[] body(byte[] payload) {
        return payload.length == 0 ? EMPTY_PLACEHOLDER.clone() : payload;
    }

    /** The MQTT payload of a stored body, given the value of its {@link #MQTT_EMPTY} property. */
    public static byte[] payload(String emptyProperty, byte[] body) {
        return "true".equals(emptyProperty) || body == null ? new byte[0] : body;
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
