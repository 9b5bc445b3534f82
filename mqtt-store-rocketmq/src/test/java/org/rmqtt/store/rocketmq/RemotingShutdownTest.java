package org.rmqtt.store.rocketmq;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import java.lang.reflect.Field;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.common.ServiceThread;
import org.apache.rocketmq.remoting.ChannelEventListener;
import org.apache.rocketmq.remoting.netty.NettyClientConfig;
import org.apache.rocketmq.remoting.netty.NettyRemotingAbstract;
import org.apache.rocketmq.remoting.netty.NettyRemotingClient;
import org.apache.rocketmq.remoting.netty.NettyRemotingServer;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.junit.jupiter.api.Test;

/** A client's channel-event thread ends right after start only when nothing can ever be queued to it. */
class RemotingShutdownTest {
    private static final int ANSWERED = 4244;

    @Test
    void onlyAClientWithoutAListenerLosesItsEventThread() throws Exception {
        NettyRemotingServer server = RemotingTestServers.serving(ANSWERED, true);
        CompletableFuture<String> connected = new CompletableFuture<>();
        NettyRemotingClient quiet = new NettyRemotingClient(new NettyClientConfig());
        NettyRemotingClient listening = new NettyRemotingClient(new NettyClientConfig(), new ChannelEventListener() {
            @Override
            public void onChannelConnect(String remoteAddr, Channel channel) {
                connected.complete(remoteAddr);
            }

            @Override
            public void onChannelClose(String remoteAddr, Channel channel) {
            }

            @Override
            public void onChannelException(String remoteAddr, Channel channel) {
            }

            @Override
            public void onChannelIdle(String remoteAddr, Channel channel) {
            }

            @Override
            public void onChannelActive(String remoteAddr, Channel channel) {
            }
        });
        server.start();
        quiet.start();
        listening.start();
        try {
            Thread quietThread = eventThread(quiet);
            Thread listeningThread = eventThread(listening);
            RemotingShutdown.stopIdleEventThread(quiet);
            RemotingShutdown.stopIdleEventThread(listening);
            quietThread.join(TimeUnit.SECONDS.toMillis(30));
            assertThat(quietThread.isAlive()).isFalse();
            assertThat(listeningThread.isAlive()).isTrue();

            String address = "127.0.0.1:" + server.localListenPort();
            assertThat(quiet.invokeSync(address, RemotingCommand.createRequestCommand(ANSWERED, null), 10_000).getCode())
                    .isZero();
            assertThat(listening.invokeSync(address, RemotingCommand.createRequestCommand(ANSWERED, null), 10_000)
                    .getCode()).isZero();
            assertThat(connected.get(30, TimeUnit.SECONDS)).isEqualTo(address);
        } finally {
            quiet.shutdown();
            listening.shutdown();
            server.shutdown();
        }
    }

    private static Thread eventThread(NettyRemotingAbstract remoting) throws ReflectiveOperationException {
        Field executor = NettyRemotingAbstract.class.getDeclaredField("nettyEventExecutor");
        executor.setAccessible(true);
        Field thread = ServiceThread.class.getDeclaredField("thread");
        thread.setAccessible(true);
        Thread t = (Thread) thread.get(executor.get(remoting));
        assertThat(t).isNotNull();
        assertThat(t.isAlive()).isTrue();
        return t;
    }
}
