package org.rmqtt.bench.rocketmq;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.MessageQueueSelector;
import org.apache.rocketmq.client.producer.SendCallback;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.rmqtt.bench.BenchException;
import org.rmqtt.bench.load.MessageSender;

/**
 * A backend service publishing to devices: a plain RocketMQ producer sending to a RocketMQ topic,
 * with the device-side MQTT topic in one user property. It never computes LMQ names; mapping the
 * message to MQTT subscribers is the gateway's job.
 */
public final class RocketMqSender implements MessageSender, AutoCloseable {

    private static final int SEND_TIMEOUT_MILLIS = 3000;
    private static final MessageQueueSelector ONE_QUEUE_PER_TOPIC =
        (queues, message, mqttTopic) -> queues.get(Math.floorMod(mqttTopic.hashCode(), queues.size()));

    private final DefaultMQProducer producer;
    private final String topic;
    private final String topicProperty;
    private final String mqttTopic;
    private final Map<String, String> extraProperties;
    private final ExecutorService senderThread;

    public RocketMqSender(String namesrv, String group, String topic, String topicProperty, String mqttTopic,
                          Map<String, String> extraProperties) {
        RocketMqClients.configureLogging();
        this.topic = topic;
        this.topicProperty = topicProperty;
        this.mqttTopic = mqttTopic;
        this.extraProperties = Map.copyOf(extraProperties);
        this.producer = new DefaultMQProducer(group);
        producer.setNamesrvAddr(namesrv);
        producer.setSendMsgTimeout(SEND_TIMEOUT_MILLIS);
        // A failed send is a failure to report, not something to hide behind a retry.
        producer.setRetryTimesWhenSendAsyncFailed(0);
        producer.setRetryTimesWhenSendFailed(0);
        // RocketMQ's client hands each asynchronous send to a pool of one thread per CPU, which
        // write to the connection in whatever order they run: a backend's sends would leave out of
        // order before the broker saw them. One thread keeps the order they were made in.
        senderThread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "bench-rocketmq-send");
            t.setDaemon(true);
            return t;
        });
        producer.setAsyncSenderExecutor(senderThread);
        try {
            producer.start();
        } catch (MQClientException e) {
            throw new BenchException("cannot start a RocketMQ producer against " + namesrv + ": " + e.getErrorMessage(),
                "check --namesrv");
        }
    }

    Message message(byte[] payload) {
        Message message = new Message(topic, payload);
        message.putUserProperty(topicProperty, mqttTopic);
        extraProperties.forEach(message::putUserProperty);
        return message;
    }

    /** One synchronous send, so a missing topic or route fails with RocketMQ's own words before the run. */
    public void checkRoute(byte[] payload) {
        try {
            SendResult result = producer.send(message(payload), SEND_TIMEOUT_MILLIS);
            if (result.getSendStatus() != SendStatus.SEND_OK) {
                throw new BenchException("RocketMQ answered " + result.getSendStatus() + " to a send to topic " + topic,
                    "check the broker's log and disk space");
            }
        } catch (BenchException e) {
            throw e;
        } catch (Exception e) {
            throw new BenchException("cannot send to RocketMQ topic '" + topic + "': " + e.getMessage(),
                "pass the RocketMQ topic the gateway maps MQTT topics to with --topic (it must exist on the broker)");
        }
    }

    @Override
    public CompletableFuture<?> send(byte[] payload) {
        CompletableFuture<SendResult> future = new CompletableFuture<>();
        try {
            // One queue per MQTT topic, as a backend that wants its commands in order must do: over
            // several queues RocketMQ keeps no order, and the report would blame the gateway for it.
            producer.send(message(payload), ONE_QUEUE_PER_TOPIC, mqttTopic, new SendCallback() {
                @Override
                public void onSuccess(SendResult result) {
                    if (result.getSendStatus() == SendStatus.SEND_OK) {
                        future.complete(result);
                    } else {
                        future.completeExceptionally(new IllegalStateException("send status " + result.getSendStatus()));
                    }
                }

                @Override
                public void onException(Throwable e) {
                    future.completeExceptionally(e);
                }
            }, SEND_TIMEOUT_MILLIS);
        } catch (Exception e) {
            future.completeExceptionally(e);
        }
        return future;
    }

    @Override
    public void close() {
        producer.shutdown();
        senderThread.shutdownNow();
    }
}
