package org.rmqtt.gateway.server;

/** Names of the pipeline's handlers, so that they can be found and replaced. */
public final class HandlerNames {
    // Transport handlers, in front of the MQTT ones (see ListenerInitializer).
    public static final String TLS = "tls";
    public static final String TLS_HANDSHAKE = "tlsHandshake";
    public static final String PROTOCOL_SNIFFER = "protocolSniffer";
    public static final String HTTP_CODEC = "httpCodec";
    public static final String HTTP_AGGREGATOR = "httpAggregator";
    public static final String WS_UPGRADE_CHECK = "wsUpgradeCheck";
    public static final String WS_PROTOCOL = "wsProtocol";
    public static final String WS_FRAMES = "wsFrames";
    // MQTT handlers, the same on every listener (see MqttChannelInitializer).
    public static final String CONNECT_RATE = "connectRate";
    public static final String CONNECTION_LIMIT = "connectionLimit";
    public static final String CONNECT_DEADLINE = "connectDeadline";
    public static final String SLOW_READER = "slowReader";
    public static final String TOPIC_LIMIT = "topicLimit";
    public static final String PUBLISH_RATE = "publishRate";
    public static final String IDLE = "idle";
    public static final String IDLE_CLOSE = "idleClose";
    public static final String DECODER = "mqttDecoder";
    public static final String ENCODER = "mqttEncoder";
    public static final String MALFORMED = "malformedPacket";
    public static final String CONNECT = "connect";
    public static final String PUBLISH = "publish";
    public static final String SUBSCRIBE = "subscribe";
    public static final String DELIVERY = "delivery";
    public static final String PING = "ping";
    public static final String DISCONNECT = "disconnect";
    public static final String EXCEPTION = "exception";
    public static final String BYTE_METRICS = "byteMetrics";
    public static final String PACKET_METRICS = "packetMetrics";

    private HandlerNames() {
    }
}
