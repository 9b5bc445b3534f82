package org.rmqtt.gateway.server;

/** Names of the pipeline's handlers, so that they can be found and replaced. */
public final class HandlerNames {
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
