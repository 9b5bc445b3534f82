package org.rmqtt.gateway.limits;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.rmqtt.common.health.Counters;
import org.rmqtt.gateway.connection.Disconnects;
import org.rmqtt.gateway.connection.ReadSuspension;
import org.rmqtt.gateway.connection.Violation;

/**
 * A connection whose write buffer is above its high water mark (not writable) is not read either
 * ({@link ReadSuspension.Reason#SENDING}): a client that publishes without reading its PUBACKs
 * would otherwise grow the buffer without bound. Delivery stops pulling meanwhile, so memory stays
 * bounded. limits.slowReaderTimeout: one that stays so for longer is closed, which frees the
 * session and its in-flight window from a client that stopped reading. One instance per channel,
 * on its event loop.
 */
public final class SlowReaderHandler extends ChannelInboundHandlerAdapter {
    private final long timeoutMillis;
    private final Counters counters;
    private ScheduledFuture<?> check;

    public SlowReaderHandler(Limits limits) {
        this.timeoutMillis = limits.slowReaderTimeout().toMillis();
        this.counters = limits.counters();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (!ctx.channel().isWritable()) {
            if (!ReadSuspension.suspended(ctx.channel(), ReadSuspension.Reason.SENDING)) {
                counters.increment(Counters.Name.SEND_BUFFER_PAUSES);
                ReadSuspension.suspend(ctx.channel(), ReadSuspension.Reason.SENDING);
            }
        } else {
            ReadSuspension.resume(ctx.channel(), ReadSuspension.Reason.SENDING);
        }
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
