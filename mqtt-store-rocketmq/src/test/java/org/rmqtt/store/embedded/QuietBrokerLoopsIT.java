package org.rmqtt.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.common.future.FutureTaskExt;
import org.apache.rocketmq.remoting.netty.RequestTask;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.RemotingSysResponseCode;
import org.apache.rocketmq.remoting.protocol.RequestCode;
import org.junit.jupiter.api.Test;

/**
 * The fast-failure check no longer runs on a 10 ms loop of its own, and still answers "busy" to a
 * request that waited too long in a queue.
 */
class QuietBrokerLoopsIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void theFastFailureLoopDoesNotRun() {
        SharedRocketMq.get();
        await().atMost(WAIT).until(() -> Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .noneMatch(name -> name.startsWith("BrokerFastFailure")));
    }

    @Test
    void aRequestThatWaitedTooLongIsStillAnsweredBusy() throws Exception {
        var broker = SharedRocketMq.get().broker();
        CompletableFuture<Object> answer = new CompletableFuture<>();
        EmbeddedChannel channel = new EmbeddedChannel() {
            @Override
            public ChannelFuture writeAndFlush(Object msg) {
                answer.complete(msg);
                return newSucceededFuture();
            }
        };
        RemotingCommand request = RemotingCommand.createRequestCommand(RequestCode.SEND_MESSAGE, null);
        RequestTask task = new RequestTask(() -> { }, channel, request);
        BlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
        queue.add(new FutureTaskExt<>(task, null));
        // A queue nobody takes from, whose requests may wait 0 ms.
        QuietBrokerLoops.fastFailure(broker).addCleanExpiredRequestQueue(queue, () -> 0L);

        Object response = answer.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(((RemotingCommand) response).getCode()).isEqualTo(RemotingSysResponseCode.SYSTEM_BUSY);
        assertThat(((RemotingCommand) response).getOpaque()).isEqualTo(request.getOpaque());
        assertThat(queue).isEmpty();
        assertThat(task.isStopRun()).isTrue();
        channel.finishAndReleaseAll();
    }
}
