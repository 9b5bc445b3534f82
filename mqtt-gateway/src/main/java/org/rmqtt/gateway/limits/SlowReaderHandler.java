package org.rmqtt.gateway.limits;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.rmqtt.gateway.connection.Disconnects;
import org.rmqtt.gateway.connection.Violation;

/**
 * limits.slowReaderTimeout: a connection whose write buffer stays above its high water mark (not
 * writable) for longer is closed. Delivery already stops pulling while a channel is not writable,
 * so memory stays bounded meanwhile; this frees the session and its in-flight window from a
 * client that stopped reading. One instance per channel, on its event loop.
 */
public final class SlowReaderHandler extends ChannelInboundHandlerAdapter {
    private final long timeoutMillis;
    private ScheduledFuture<?> check;

    public SlowReaderHandler(Limits limits) {
        this.timeoutMillis = limits.slowReaderTimeout().toMillis();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (timeoutMillis > 0) {
            if (!ctx.channel().isWritable()) {
                if (check == null) {
                    check = ctx.executor().schedule(() -> expire(ctx), timeoutMillis, TimeUnit.MILLISECONDS);
                }
            } else {
                cancel();
            }
        }
        super.channelWritabilityChanged(ctx);
    }

    private void expire(ChannelHandlerContext ctx) {
        check = null;
        if (ctx.channel().isActive() && !ctx.channel().isWritable()) {
            Disconnects.protocolViolation(ctx.channel(), Violation.SLOW_READER, "slow reader: write buffer full for longer than"
                    + " limits.slowReaderTimeout=" + timeoutMillis + " ms (" + ctx.channel().bytesBeforeWritable()
                    + " bytes over the low water mark)");
        }
    }

    private void cancel() {
        if (check != null) {
            check.cancel(false);
            check = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancel();
        super.channelInactive(ctx);
    }
}
