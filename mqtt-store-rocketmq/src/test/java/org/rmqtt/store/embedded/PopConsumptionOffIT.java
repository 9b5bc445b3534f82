package org.rmqtt.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.rocketmq.remoting.netty.NettyClientConfig;
import org.apache.rocketmq.remoting.netty.NettyRemotingClient;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.RequestCode;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.junit.jupiter.api.Test;

/**
 * The embedded broker runs no POP services and says so to a POP consumer, instead of taking
 * pops whose unacknowledged messages would never be revived.
 */
class PopConsumptionOffIT {

    @Test
    void aPopRequestIsRefusedWithAReason() throws Exception {
        String broker = SharedRocketMq.get().broker().getBrokerAddr();
        NettyRemotingClient client = new NettyRemotingClient(new NettyClientConfig());
        client.start();
        try {
            for (int code : new int[] {RequestCode.POP_MESSAGE, RequestCode.ACK_MESSAGE, RequestCode.NOTIFICATION}) {
                RemotingCommand response = client.invokeSync(broker, RemotingCommand.createRequestCommand(code, null), 10_000);
                assertThat(response.getCode()).as("request %d", code).isEqualTo(ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
                assertThat(response.getRemark()).isEqualTo(PopConsumptionOff.REFUSAL);
            }
        } finally {
            client.shutdown();
        }
    }

    @Test
    void noPopServiceRuns() {
        SharedRocketMq.get();
        assertThat(Thread.getAllStackTraces().keySet())
                .filteredOn(Thread::isAlive)
                .extracting(Thread::getName)
                .noneMatch(name -> name.contains("PopLongPolling") || name.contains("PopBufferMerge")
                        || name.contains("PopRevive") || name.contains("QueueLockManager"));
    }
}
