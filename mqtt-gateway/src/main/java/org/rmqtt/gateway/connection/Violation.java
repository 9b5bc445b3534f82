package org.rmqtt.gateway.connection;

/** Why the gateway closed a client's connection: the reasons counted by {@link ViolationCounters}. */
public enum Violation {
    /** The codec could not decode a packet (bad lengths, bad packet ids, bad QoS bytes...). */
    MALFORMED_PACKET,
    /** Reserved bits of a fixed header are not what the packet type requires (MQTT-2.2.2-2). */
    RESERVED_FLAGS,
    /** A remaining length over 4 bytes, or not the fixed length of its packet type. */
    REMAINING_LENGTH,
    /** A packet larger than mqtt.maxMessageSize. */
    PACKET_TOO_LARGE,
    /** A string that is not well-formed UTF-8, or holds U+0000 (MQTT-1.5.3-1, -2). */
    INVALID_UTF8,
    /** The first packet was not CONNECT (MQTT-3.1.0-1). */
    CONNECT_NOT_FIRST,
    /** A second CONNECT on one connection (MQTT-3.1.0-2). */
    SECOND_CONNECT,
    /** The protocol name does not fit the protocol level (MQTT-3.1.2-1). */
    PROTOCOL_NAME,
    /** A protocol level other than 3 or 4, refused with CONNACK 0x01 (MQTT-3.1.2-2). */
    PROTOCOL_LEVEL,
    /** Inconsistent will or user name / password flags in CONNECT (MQTT-3.1.2-3, -11..-14, -22). */
    CONNECT_FLAGS,
    /** A client identifier the gateway refuses with CONNACK 0x02 (MQTT-3.1.3-8, -9). */
    CLIENT_ID,
    /** A PUBLISH topic name that is empty or holds wildcards (MQTT-3.3.2-1, -2, 4.7.3-1). */
    INVALID_TOPIC_NAME,
    /** An UNSUBSCRIBE filter that is not a valid topic filter (4.7.1). */
    INVALID_TOPIC_FILTER,
    /** SUBSCRIBE or UNSUBSCRIBE without a topic filter (MQTT-3.8.3-3, 3.10.3-2). */
    NO_TOPIC_FILTER,
    /** Reserved bits set in a SUBSCRIBE's requested QoS byte (MQTT-3.8.3-4). */
    SUBSCRIPTION_OPTIONS,
    /** A packet only a server sends (CONNACK, SUBACK, UNSUBACK, PINGRESP). */
    UNEXPECTED_PACKET,
    /** Nothing received for 1.5 × the keep-alive (MQTT-3.1.2-24). */
    KEEP_ALIVE_EXPIRED,
    /** No complete CONNECT within mqtt.connectTimeoutSeconds. */
    CONNECT_TIMEOUT,
    /** Refused at accept: the gateway holds limits.maxConnections connections. */
    MAX_CONNECTIONS,
    /** Refused at accept: the source address holds limits.maxConnectionsPerIp connections. */
    MAX_CONNECTIONS_PER_IP,
    /** Refused at accept: the source address opens connections faster than limits.connectRatePerIp. */
    CONNECT_RATE,
    /** A PUBLISH topic, will topic or UNSUBSCRIBE filter over limits.maxTopicLength or limits.maxTopicLevels. */
    TOPIC_LIMIT,
    /** The write buffer stayed full for longer than limits.slowReaderTimeout: the client does not read. */
    SLOW_READER,
    /** Bytes that are not TLS on a TLS listener, e.g. plain MQTT on 8883. */
    NOT_TLS,
    /**
     * A TLS handshake that failed: a missing, expired or untrusted client certificate where one is
     * required, no protocol or cipher in common, or no handshake within mqtt.tls.handshakeTimeout.
     */
    TLS_HANDSHAKE,
    /** A TLS handshake on a listener without TLS, e.g. an ssl:// client on 1883. */
    TLS_ON_PLAIN_PORT,
    /** An HTTP request on a listener that expects MQTT bytes. */
    HTTP_ON_MQTT_PORT,
    /** An HTTP request on a WebSocket listener that is not a WebSocket upgrade on mqtt.ws.path. */
    NOT_WEBSOCKET,
    /** A WebSocket frame that cannot carry MQTT: text (MQTT-6.0.0-1), malformed, or over the size limit. */
    WEBSOCKET_FRAME
}
