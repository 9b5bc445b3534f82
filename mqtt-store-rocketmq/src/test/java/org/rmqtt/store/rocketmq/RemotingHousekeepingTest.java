package org.rmqtt.store.rocketmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.netty.util.Timeout;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.apache.rocketmq.remoting.exception.RemotingTimeoutException;
import org.apache.rocketmq.remoting.netty.NettyClientConfig;
import org.apache.rocketmq.remoting.netty.NettyRemotingClient;
import org.apache.rocketmq.remoting.netty.NettyRemotingServer;
import org.apache.rocketmq.remoting.netty.RemotingCodeDistributionHandler;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.junit.jupiter.api.Test;

/** Remoting housekeeping on one shared wheel: every owner's tasks run, each owner stops alone. */
class RemotingHousekeepingTest {
    private static final int UNANSWERED = 4242;
    private static final int ANSWERED = 4243;

    @Test
    void ownersRunOnOneThreadAndStopAlone() throws Exception {
        RemotingHousekeeping.Owner a = new RemotingHousekeeping.Owner();
        RemotingHousekeeping.Owner b = new RemotingHousekeeping.Owner();
        CompletableFuture<String> ranA = new CompletableFuture<>();
        CompletableFuture<String> ranB = new CompletableFuture<>();
        a.newTimeout(t -> ranA.complete(Thread.currentThread().getName()), 10, TimeUnit.MILLISECONDS);
        b.newTimeout(t -> ranB.complete(Thread.currentThread().getName()), 10, TimeUnit.MILLISECONDS);
        assertThat(ranA.get(30, TimeUnit.SECONDS)).isEqualTo(RemotingHousekeeping.THREAD);
        assertThat(ranB.get(30, TimeUnit.SECONDS)).isEqualTo(RemotingHousekeeping.THREAD);

        Timeout later = a.newTimeout(t -> { }, 1, TimeUnit.HOURS);
        assertThat(a.pendingTimeouts()).isEqualTo(1);
        assertThat(a.stop()).containsExactly(later);
        assertThat(later.isCancelled()).isTrue();
        assertThat(a.pendingTimeouts()).isZero();
        assertThatThrownBy(() -> a.newTimeout(t -> { }, 10, TimeUnit.MILLISECONDS))
                .isInstanceOf(IllegalStateException.class);

        CompletableFuture<Void> ranBAgain = new CompletableFuture<>();
        b.newTimeout(t -> ranBAgain.complete(null), 10, TimeUnit.MILLISECONDS);
        ranBAgain.get(30, TimeUnit.SECONDS);
        b.stop();
    }

    /**
     * A request nobody answers fails once the client's response-table scan finds it expired; that
     * scan only runs on the shared wheel now, since the client's own timer is stopped. Moving it
     * again after start must not lose that scan.
     */
    @Test
    void aSharedClientStillExpiresUnansweredRequests() throws Exception {
        NettyRemotingServer server = RemotingTestServers.serving(UNANSWERED, false);
        NettyRemotingClient client = new NettyRemotingClient(new NettyClientConfig());
        assertThat(RemotingHousekeeping.share(server)).isTrue();
        assertThat(RemotingHousekeeping.share(client)).isTrue();
        server.start();
        client.start();
        NettyRemotingClient startedAlone = new NettyRemotingClient(new NettyClientConfig());
        startedAlone.start();
        try {
            // Moved again (a client instance shared by a producer and a consumer): its tasks stay.
            assertThat(RemotingHousekeeping.share(client)).isTrue();
            // Started on its own timer: left there, its tasks would be lost with it.
            assertThat(RemotingHousekeeping.share(startedAlone)).isFalse();
            String address = "127.0.0.1:" + server.localListenPort();
            CompletableFuture<RemotingCommand> answer = client.invoke(address,
                    RemotingCommand.createRequestCommand(UNANSWERED, null), 100);
            assertThatThrownBy(() -> answer.get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(RemotingTimeoutException.class);
        } finally {
            startedAlone.shutdown();
            client.shutdown();
            server.shutdown();
        }
    }

    /**
     * A shared server's per-second traffic log (which reads and resets its counts per request
     * code) runs on the shared wheel: the count of a request is reset, and the server started no
     * scheduler thread of its own.
     */
    @Test
    void aSharedServerLogsItsTrafficWithoutAThreadOfItsOwn() throws Exception {
        long schedulersBefore = threadsNamed("NettyServerScheduler_");
        NettyRemotingServer server = RemotingTestServers.serving(ANSWERED, true);
        NettyRemotingClient client = new NettyRemotingClient(new NettyClientConfig());
        assertThat(RemotingHousekeeping.share(server)).isTrue();
        server.start();
        client.start();
        try {
            RemotingCommand answer = client.invokeSync("127.0.0.1:" + server.localListenPort(),
                    RemotingCommand.createRequestCommand(ANSWERED, null), 10_000);
            assertThat(answer.getCode()).isZero();
            LongAdder requests = inboundCounts(server).get(ANSWERED);
            assertThat(requests).isNotNull();
            await().atMost(Duration.ofSeconds(30)).until(() -> requests.sum() == 0);
            assertThat(threadsNamed("NettyServerScheduler_")).isEqualTo(schedulersBefore);
        } finally {
            client.shutdown();
            server.shutdown();
        }
    }

    private static long threadsNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith(prefix)).count();
    }

    @SuppressWarnings("unchecked")
    private static Map<Integer, LongAdder> inboundCounts(NettyRemotingServer server) throws ReflectiveOperationException {
        Field field = RemotingCodeDistributionHandler.class.getDeclaredField("inboundDistribution");
        field.setAccessible(true);
        return (Map<Integer, LongAdder>) field.get(server.getDistributionHandler());
    }
}
