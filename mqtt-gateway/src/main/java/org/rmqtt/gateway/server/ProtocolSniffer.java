package org.rmqtt.gateway.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import org.rmqtt.gateway.connection.Disconnects;
import org.rmqtt.gateway.connection.Violation;

/**
 * Looks at the first byte of a connection on an MQTT byte-stream listener, then steps aside. A
 * client's first packet is CONNECT (0x10); a TLS handshake (0x16) or an HTTP request (a method
 * name) is a client at the wrong port, which the operator is told in plain words rather than as a
 * malformed packet. Anything else goes on to the MQTT decoder, which judges it.
 */
@ChannelHandler.Sharable
public final class ProtocolSniffer extends ChannelInboundHandlerAdapter {
    /** For a listener without TLS. */
    public static final ProtocolSniffer PLAIN = new ProtocolSniffer(false);
    /** Behind TLS: a nested TLS handshake is left to the MQTT decoder. */
    public static final ProtocolSniffer BEHIND_TLS = new ProtocolSniffer(true);
    private static final int TLS_HANDSHAKE_RECORD = 0x16;
    /** CONNECT, DELETE, GET, HEAD, OPTIONS, PATCH/POST/PUT, TRACE: as MQTT, none of them a CONNECT. */
    private static final String HTTP_METHOD_INITIALS = "CDGHOPT";

    private final boolean behindTls;

    private ProtocolSniffer(boolean behindTls) {
        this.behindTls = behindTls;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf) || !buf.isReadable()) {
            ctx.fireChannelRead(msg);
            return;
        }
        int first = buf.getUnsignedByte(buf.readerIndex());
        if (first == TLS_HANDSHAKE_RECORD && !behindTls) {
            ReferenceCountUtil.release(msg);
            Disconnects.protocolViolation(ctx.channel(), Violation.TLS_ON_PLAIN_PORT,
                    "TLS handshake on a listener without TLS (use the TLS port)");
        } else if (HTTP_METHOD_INITIALS.indexOf(first) >= 0) {
            String line = firstLine(buf);
            ReferenceCountUtil.release(msg);
            Disconnects.protocolViolation(ctx.channel(), Violation.HTTP_ON_MQTT_PORT,
                    "HTTP request on an MQTT listener (WebSocket clients use the ws/wss port): " + line);
        } else {
            ctx.pipeline().remove(this);
            ctx.fireChannelRead(msg);
        }
    }

    /** Up to 80 printable characters of the first line, for the log. */
    private static String firstLine(ByteBuf buf) {
        StringBuilder line = new StringBuilder();
        for (int i = buf.readerIndex(); i < buf.writerIndex() && line.length() < 80; i++) {
            int c = buf.getUnsignedByte(i);
            if (c == '\r' || c == '\n') {
                break;
            }
            line.append(c >= 0x20 && c < 0x7f ? (char) c : '?');
        }
        return line.toString();
    }
}
