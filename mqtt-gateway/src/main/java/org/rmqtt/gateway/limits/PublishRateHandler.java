package org.rmqtt.gateway.limits;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import java.util.concurrent.TimeUnit;
import org.rmqtt.common.health.Counters;
import org.rmqtt.gateway.connection.ReadSuspension;

/**
 * limits.publishRatePerClient: a client that publishes faster is slowed down by not reading its
 * connection until its bucket is paid back (its TCP window fills, it waits). Every PUBLISH read
 * is passed on and handled as usual: nothing acknowledged is dropped, nothing is refused. The
 * packets already decoded from the last read go on into debt, which the pause pays back.
 * One instance per channel, on its event loop.
 */
public final class PublishRateHandler extends ChannelInboundHandlerAdapter {
    private final TokenBucket bucket;
    private final Counters counters;
    private boolean pauseScheduled;

    public PublishRateHandler(Limits limits) {
        this.bucket = limits.newPublishBucket();
        this.counters = limits.counters();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (bucket != null && msg instanceof MqttPublishMessage) {
            long owed = bucket.take();
            if (owed > 0 && !pauseScheduled) {
                counters.increment(Counters.Name.PUBLISH_THROTTLED);
                // Through ReadSuspension, so that the store flow resuming reads cannot end the pause.
                ReadSuspension.suspend(ctx.channel(), ReadSuspension.Reason.PUBLISH_RATE);
                pauseScheduled = true;
                ctx.executor().schedule(() -> resume(ctx), owed, TimeUnit.NANOSECONDS);
            }
        }
        super.channelRead(ctx, msg);
    }

    private void resume(ChannelHandlerContext ctx) {
        long owed = bucket.owedNanos();
        if (owed > 0 && ctx.channel().isActive()) {
            // More was decoded after the pause began: wait for that too.
            ctx.executor().schedule(() -> resume(ctx), owed, TimeUnit.NANOSECONDS);
            return;
        }
        pauseScheduled = false;
        ReadSuspension.resume(ctx.channel(), ReadSuspension.Reason.PUBLISH_RATE);
    }
}
