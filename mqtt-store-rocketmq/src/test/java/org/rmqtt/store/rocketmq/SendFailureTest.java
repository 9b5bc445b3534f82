package org.rmqtt.store.rocketmq;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletionException;
import org.apache.rocketmq.client.exception.MQBrokerException;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.remoting.exception.RemotingTimeoutException;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.junit.jupiter.api.Test;
import org.rmqtt.store.StoreException;

/** Which send failures a retry cannot fix. */
class SendFailureTest {

    @Test
    void aMessageTheClientOrTheBrokerCallsIllegalIsPermanent() {
        assertThat(RocketMqMessageStore.sendFailure("send failed: ",
                new MQClientException(ResponseCode.MESSAGE_ILLEGAL, "the message body length is zero")).permanent()).isTrue();
        assertThat(RocketMqMessageStore.sendFailure("send failed: ",
                new MQBrokerException(ResponseCode.MESSAGE_ILLEGAL, "message too large")).permanent()).isTrue();
    }

    @Test
    void timeoutsAndABusyBrokerAreWorthAnotherTry() {
        assertThat(RocketMqMessageStore.sendFailure("send failed: ", new RemotingTimeoutException("timeout")).permanent()).isFalse();
        assertThat(RocketMqMessageStore.sendFailure("send failed: ",
                new MQBrokerException(ResponseCode.SYSTEM_BUSY, "busy")).permanent()).isFalse();
        assertThat(RocketMqMessageStore.sendFailure("send failed: ",
                new MQClientException("no route info of this topic", null)).permanent()).isFalse();
    }

    @Test
    void permanenceIsFoundThroughWrappers() {
        StoreException refused = new StoreException("refused", null, true);
        assertThat(StoreException.isPermanent(new CompletionException(refused))).isTrue();
        assertThat(StoreException.isPermanent(new CompletionException(new StoreException("down")))).isFalse();
    }
}
