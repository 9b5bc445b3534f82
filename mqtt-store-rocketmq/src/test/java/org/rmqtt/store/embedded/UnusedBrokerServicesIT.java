package org.rmqtt.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.rocketmq.client.exception.MQBrokerException;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.LocalTransactionState;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.client.producer.TransactionListener;
import org.apache.rocketmq.client.producer.TransactionMQProducer;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.junit.jupiter.api.Test;

/**
 * The embedded broker refuses transactional messages (it runs no transaction check) and messages
 * with a delivery time (no timer wheel), and runs none of the services of the features it does not
 * offer; ordinary sends are unaffected.
 */
class UnusedBrokerServicesIT {

    @Test
    void aTransactionalSendIsRefusedAndAnOrdinaryOneIsNot() throws Exception {
        EmbeddedRocketMq rocketMq = SharedRocketMq.get();
        AtomicInteger localTransactions = new AtomicInteger();
        TransactionMQProducer transactional = new TransactionMQProducer("it_unused_tx");
        transactional.setNamesrvAddr(rocketMq.namesrvAddress());
        transactional.setTransactionListener(new TransactionListener() {
            @Override
            public LocalTransactionState executeLocalTransaction(Message msg, Object arg) {
                localTransactions.incrementAndGet();
                return LocalTransactionState.COMMIT_MESSAGE;
            }

            @Override
            public LocalTransactionState checkLocalTransaction(MessageExt msg) {
                return LocalTransactionState.COMMIT_MESSAGE;
            }
        });
        DefaultMQProducer plain = new DefaultMQProducer("it_unused_plain");
        plain.setNamesrvAddr(rocketMq.namesrvAddress());
        transactional.start();
        plain.start();
        try {
            Message message = new Message("backend_it", "x".getBytes(StandardCharsets.UTF_8));
            assertThatThrownBy(() -> transactional.sendMessageInTransaction(message, null))
                    .isInstanceOf(MQClientException.class)
                    .hasStackTraceContaining("sending transaction message is forbidden");
            // The half message was refused before the local transaction could run.
            assertThat(localTransactions).hasValue(0);
            assertThat(plain.send(new Message("backend_it", "y".getBytes(StandardCharsets.UTF_8))).getSendStatus())
                    .isEqualTo(SendStatus.SEND_OK);
        } finally {
            transactional.shutdown();
            plain.shutdown();
        }
    }

    /** As backend-integration.md tells backends: the producer gets an error, not a SEND_OK for a message never delivered. */
    @Test
    void aMessageWithADeliveryTimeIsRefused() throws Exception {
        DefaultMQProducer producer = new DefaultMQProducer("it_unused_timer");
        producer.setNamesrvAddr(SharedRocketMq.get().namesrvAddress());
        producer.setRetryTimesWhenSendFailed(0);
        producer.start();
        try {
            Message message = new Message("backend_it", "t".getBytes(StandardCharsets.UTF_8));
            message.setDeliverTimeMs(System.currentTimeMillis() + 60_000);
            // The client wraps the broker's answer: SYSTEM_ERROR is one it would retry.
            assertThatThrownBy(() -> producer.send(message))
                    .isInstanceOf(MQClientException.class)
                    .cause()
                    .isInstanceOfSatisfying(MQBrokerException.class,
                            e -> assertThat(e.getResponseCode()).isEqualTo(ResponseCode.SYSTEM_ERROR))
                    .hasMessageContaining("accurate timer message is not enabled");
        } finally {
            producer.shutdown();
        }
    }

    @Test
    void theServicesOfFeaturesNotOfferedDoNotRun() {
        SharedRocketMq.get();
        assertThat(Thread.getAllStackTraces().keySet())
                .filteredOn(Thread::isAlive)
                .extracting(Thread::getName)
                .noneMatch(name -> name.startsWith("Transactional") || name.equals("TransactionFlushService")
                        || name.equals("BroadcastOffsetManager") || name.startsWith("ColdData"));
    }
}
