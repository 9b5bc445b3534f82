/**
 * MQTT over WebSocket (ws:// and wss://): the upgrade check on the configured path and the codec
 * between binary WebSocket frames and the MQTT byte stream. Netty's HTTP codec and
 * {@code WebSocketServerProtocolHandler} do the rest.
 */
package org.rmqtt.gateway.websocket;
