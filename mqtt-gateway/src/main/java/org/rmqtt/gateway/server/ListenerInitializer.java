package org.rmqtt.gateway.server;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.ssl.SslHandler;
import java.time.Duration;
import org.rmqtt.gateway.tls.ReloadableSslContext;
import org.rmqtt.gateway.tls.TlsHandshakeHandler;
import org.rmqtt.gateway.websocket.WebSocketFrameCodec;
import org.rmqtt.gateway.websocket.WebSocketUpgradeCheck;

/**
 * One listener's pipeline: its transport handlers (none, TLS, WebSocket, or TLS and WebSocket)
 * in front of the MQTT handlers that every listener shares ({@link MqttChannelInitializer}).
 */
public final class ListenerInitializer extends ChannelInitializer<SocketChannel> {
    /** Subprotocols a WebSocket client may ask for, in the order the server prefers them. */
    public static final String WS_SUBPROTOCOLS = "mqtt,mqttv3.1";
    /** An upgrade request has no body; anything bigger is not one. */
    private static final int MAX_HTTP_REQUEST = 8192;
    /** The fixed header around mqtt.maxMessageSize bytes: a type byte and up to 4 length bytes. */
    private static final int MQTT_FIXED_HEADER = 5;

    public enum Transport {
        TCP("MQTT"), TLS("MQTT over TLS"), WS("MQTT over WebSocket"), WSS("MQTT over secure WebSocket");

        private final String description;

        Transport(String description) {
            this.description = description;
        }

        public String description() {
            return description;
        }

        boolean tls() {
            return this == TLS || this == WSS;
        }

        boolean webSocket() {
            return this == WS || this == WSS;
        }
    }

    private final Transport transport;
    private final ReloadableSslContext sslContext;
    private final long handshakeTimeoutMillis;
    private final String webSocketPath;
    private final int maxFramePayload;
    private final MqttChannelInitializer mqtt;

    /**
     * @param sslContext for TLS and WSS, else null
     * @param webSocketPath for WS and WSS, else ignored
     * @param maxMessageSize mqtt.maxMessageSize: a WebSocket frame may carry one such packet
     */
    public ListenerInitializer(Transport transport, ReloadableSslContext sslContext, Duration handshakeTimeout,
                               String webSocketPath, int maxMessageSize, MqttChannelInitializer mqtt) {
        if (transport.tls() && sslContext == null) {
            throw new IllegalArgumentException(transport + " needs a TLS context");
        }
        this.transport = transport;
        this.sslContext = sslContext;
        this.handshakeTimeoutMillis = handshakeTimeout.toMillis();
        this.webSocketPath = webSocketPath;
        this.maxFramePayload = (int) Math.min(Integer.MAX_VALUE, (long) maxMessageSize + MQTT_FIXED_HEADER);
        this.mqtt = mqtt;
    }

    public Transport transport() {
        return transport;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ChannelPipeline p = ch.pipeline();
        if (transport.tls()) {
            SslHandler ssl = sslContext.current().newHandler(ch.alloc());
            ssl.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
            p.addLast(HandlerNames.TLS, ssl);
            p.addLast(HandlerNames.TLS_HANDSHAKE, TlsHandshakeHandler.INSTANCE);
        }
        if (transport.webSocket()) {
            p.addLast(HandlerNames.HTTP_CODEC, new HttpServerCodec());
            p.addLast(HandlerNames.HTTP_AGGREGATOR, new HttpObjectAggregator(MAX_HTTP_REQUEST));
            p.addLast(HandlerNames.WS_UPGRADE_CHECK, new WebSocketUpgradeCheck(webSocketPath));
            p.addLast(HandlerNames.WS_PROTOCOL, new WebSocketServerProtocolHandler(WebSocketServerProtocolConfig.newBuilder()
                    .websocketPath(webSocketPath)
                    .subprotocols(WS_SUBPROTOCOLS)
                    .checkStartsWith(true) // the upgrade check above has compared the path, without the query
                    .decoderConfig(WebSocketDecoderConfig.newBuilder()
                            .maxFramePayloadLength(maxFramePayload)
                            .allowExtensions(false)
                            .build())
                    .build()));
            p.addLast(HandlerNames.WS_FRAMES, WebSocketFrameCodec.INSTANCE);
        } else {
            p.addLast(HandlerNames.PROTOCOL_SNIFFER, transport.tls() ? ProtocolSniffer.BEHIND_TLS : ProtocolSniffer.PLAIN);
        }
        p.addLast(mqtt);
    }
}
