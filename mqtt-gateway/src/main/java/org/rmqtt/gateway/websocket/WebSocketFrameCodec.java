package org.rmqtt.gateway.websocket;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.util.List;
import org.rmqtt.gateway.connection.Disconnects;
import org.rmqtt.gateway.connection.Violation;

/**
 * Binary WebSocket frames to the MQTT byte stream and back. Frame boundaries mean nothing to MQTT
 * (a packet may span frames, a frame may hold several packets): the content of binary and
 * continuation frames goes on as bytes and the MQTT decoder behind finds the packets. A text frame
 * closes the connection (MQTT-6.0.0-1). Each outgoing packet is one binary frame.
 */
@ChannelHandler.Sharable
public final class WebSocketFrameCodec extends MessageToMessageCodec<WebSocketFrame, ByteBuf> {
    public static final WebSocketFrameCodec INSTANCE = new WebSocketFrameCodec();

    @Override
    protected void encode(ChannelHandlerContext ctx, ByteBuf msg, List<Object> out) {
        out.add(new BinaryWebSocketFrame(msg.retain()));
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, WebSocketFrame frame, List<Object> out) {
        // Continuations only follow a binary frame here: a text frame has closed the connection.
        if (frame instanceof BinaryWebSocketFrame || frame instanceof ContinuationWebSocketFrame) {
            if (frame.content().isReadable()) {
                out.add(frame.content().retain());
            }
        } else {
            Disconnects.protocolViolation(ctx.channel(), Violation.WEBSOCKET_FRAME,
                    frame.getClass().getSimpleName() + " instead of a binary frame (MQTT-6.0.0-1)");
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
        if (cause instanceof CorruptedWebSocketFrameException) {
            Disconnects.protocolViolation(ctx.channel(), Violation.WEBSOCKET_FRAME, "bad WebSocket frame: " + cause.getMessage());
        } else {
            super.exceptionCaught(ctx, cause);
        }
    }
}
