package org.rmqtt.store.notify;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongConsumer;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageConst;
import org.apache.rocketmq.common.message.MessageExt;
import org.rmqtt.common.message.MessageProperties;
import org.rmqtt.common.notify.TopicEvent;
import org.rmqtt.common.topic.InvalidTopicException;
import org.rmqtt.common.topic.Topics;
import org.rmqtt.store.LmqDispatch;
import org.rmqtt.store.StoreException;
import org.rmqtt.store.rocketmq.ClientInstances;
import org.rmqtt.store.rocketmq.RemotingShutdown;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns new messages on the mapped RocketMQ topics into topic events for the gateways that hold
 * a matching subscription. Every gateway runs one, all in one clustered consumer group, so each
 * message is seen once across the cluster.
 *
 * <p>Fallback for a broker without the dispatch plug-in: a backend message that arrives with an
 * MQTT topic but no LMQ dispatch is copied, with its dispatch list, to the redispatch topic (which
 * backends do not consume), and announced when that copy comes back. This costs a second commitlog
 * copy of backend messages; the plug-in avoids it. One consume thread keeps the copies of a queue
 * in order.
 */
public final class Notifier implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Notifier.class);
    /** On a redispatched copy: the id of the message it copies. */
    public static final String ORIGIN_MESSAGE_ID = "mqttOriginMsgId";
    /** Longer than one notify RPC may take: a failed one releases its events to background retries. */
    private static final Duration HAND_OVER_WAIT = Duration.ofSeconds(5);

    private final DefaultMQPushConsumer consumer;
    private final DefaultMQProducer redispatcher;
    private final String redispatchTopic;
    private final Function<String, Collection<String>> targets;
    private final Function<String, Set<String>> wildcardFilters;
    private final NotifyClient client;
    /** Told, per announced message, the milliseconds from its store time (the broker's clock) to its events being queued. */
    private volatile LongConsumer lagListener = millis -> { };
    private final RetainedSink retained;
    private volatile int inlineMaxBytes;

    /**
     * Where a backend message with {@code mqttRetain=true} sets or clears its topic's retained
     * message (a device's goes through its gateway). Throws {@link StoreException} to have the
     * message consumed again.
     */
    public interface RetainedSink {
        void retain(String topic, byte[] payload, int qos);
    }

    /**
     * @param targets         MQTT topic name → notify addresses of the nodes with a matching subscription
     * @param wildcardFilters MQTT topic name → wildcard filters in use that match it
     */
    public Notifier(String namesrv, String group, String instanceName, Collection<String> rocketTopics,
                    String redispatchTopic, Function<String, Collection<String>> targets,
                    Function<String, Set<String>> wildcardFilters, NotifyClient client) {
        this(namesrv, group, instanceName, rocketTopics, redispatchTopic, targets, wildcardFilters, client, null);
    }

    /** @param retained where backend messages set retained messages; null: they do not */
    public Notifier(String namesrv, String group, String instanceName, Collection<String> rocketTopics,
                    String redispatchTopic, Function<String, Collection<String>> targets,
                    Function<String, Set<String>> wildcardFilters, NotifyClient client, RetainedSink retained) {
        this.retained = retained;
        this.targets = targets;
        this.wildcardFilters = wildcardFilters;
        this.client = client;
        this.redispatchTopic = redispatchTopic;
        this.consumer = new DefaultMQPushConsumer(group);
        consumer.setNamesrvAddr(namesrv);
        consumer.setInstanceName(instanceName);
        // A fresh group starts at the beginning: announcing old messages is harmless (events are
        // hints and readers skip offsets they passed), while starting at the end would skip
        // messages stored before the first rebalance.
        consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        consumer.setConsumeMessageBatchMaxSize(32);
        consumer.setPullBatchSize(64);
        consumer.setConsumeThreadMin(1);
        consumer.setConsumeThreadMax(1);
        try {
            for (String topic : rocketTopics) {
                consumer.subscribe(topic, "*");
            }
            consumer.subscribe(redispatchTopic, "*");
        } catch (MQClientException e) {
            throw new StoreException("notifier cannot subscribe: " + e.getMessage(), e);
        }
        consumer.registerMessageListener((MessageListenerConcurrently) (messages, context) -> {
            String broker = context.getMessageQueue().getBrokerName();
            try {
                // Events of the whole consumed batch go to each node together: one RPC, not one per message.
                Map<String, List<TopicEvent>> byNode = new LinkedHashMap<>();
                for (MessageExt m : messages) {
                    onMessage(broker, m, byNode);
                }
                List<CompletableFuture<Void>> handed = new ArrayList<>(byNode.size());
                byNode.forEach((address, events) -> handed.add(client.sendAll(address, events)));
                awaitHandOver(handed);
                return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
            } catch (StoreException e) {
                LOG.warn("A backend message could not be redispatched or retained, will retry: {}", e.getMessage());
                return ConsumeConcurrentlyStatus.RECONSUME_LATER;
            }
        });
        this.redispatcher = new DefaultMQProducer("rmqtt_redispatch");
        redispatcher.setNamesrvAddr(namesrv);
        redispatcher.setInstanceName(instanceName + "-redispatch");
    }

    /** For metrics: sets the one listener told each announced message's lag (replacing the one before). */
    public void lagListener(LongConsumer listener) {
        this.lagListener = java.util.Objects.requireNonNull(listener, "listener");
    }

    public void start() {
        ClientInstances.prepare(redispatcher);
        ClientInstances.prepare(consumer);
        try {
            redispatcher.start();
            consumer.start();
        } catch (MQClientException e) {
            throw new StoreException("cannot start the notifier: " + e.getMessage(), e);
        }
        ClientInstances.stopBatchingThreads(redispatcher);
        RemotingShutdown.stopIdleEventThread(redispatcher.getDefaultMQProducerImpl().getMqClientFactory());
        RemotingShutdown.stopIdleEventThread(consumer.getDefaultMQPushConsumerImpl().getmQClientFactory());
        LOG.info("Notifier consuming as group {}", consumer.getConsumerGroup());
    }

    /**
     * A message counts as consumed only once its events were handed to their gateways (or, for a
     * gateway that is failing, queued for retries): a notifier that dies before leaves the message
     * to the next one in the group. Bounded, so a stuck peer cannot hold the queue for ever.
     */
    private static void awaitHandOver(List<CompletableFuture<Void>> handed) {
        if (handed.isEmpty()) {
            return;
        }
        try {
            CompletableFuture.allOf(handed.toArray(CompletableFuture[]::new))
                    .get(HAND_OVER_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("Notify hand-over still under way after {}: {}", HAND_OVER_WAIT, e.toString());
        }
    }

    /**
     * Events of messages with a payload up to {@code maxBytes} carry the message, so a reader at
     * its offset needs no pull; 0 = never. Set before {@link #start()}.
     */
    public void inlineMessagesUpTo(int maxBytes) {
        this.inlineMaxBytes = maxBytes;
    }

    private void onMessage(String broker, MessageExt m, Map<String, List<TopicEvent>> byNode) {
        String topic = m.getUserProperty(MessageProperties.MQTT_TOPIC);
        if (topic == null) {
            return; // not for MQTT
        }
        // A backend's retained message (a device's has its clientId and is in meta already).
        if (retained != null && "true".equals(m.getUserProperty(MessageProperties.MQTT_RETAIN))
                && m.getUserProperty(MessageProperties.MQTT_CLIENT_ID) == null && !m.getTopic().equals(redispatchTopic)) {
            retained.retain(topic, MessageProperties.payload(m.getUserProperty(MessageProperties.MQTT_EMPTY), m.getBody()),
                    MessageProperties.qos(m.getUserProperty(MessageProperties.MQTT_QOS)));
        }
        LmqDispatch.Dispatched dispatched = LmqDispatch.Dispatched.of(m);
        if (dispatched == null) {
            if (!m.getTopic().equals(redispatchTopic)) {
                redispatch(m, topic);
            }
            return;
        }
        if (!dispatched.complete()) {
            LOG.warn("Message {} has LMQs and offsets of different lengths; not announced", m.getMsgId());
            return;
        }
        TopicEvent event = new TopicEvent(broker, topic, dispatched.lmqs(), dispatched.offsets(), inline(m));
        for (String address : targets.apply(topic)) {
            byNode.computeIfAbsent(address, a -> new ArrayList<>()).add(event);
        }
        lagListener.accept(System.currentTimeMillis() - m.getStoreTimestamp());
    }

    /** The message as a pull of its LMQ would decode it, if small enough to travel in its event. */
    private TopicEvent.InlineMessage inline(MessageExt m) {
        byte[] body = m.getBody();
        if (inlineMaxBytes == 0 || body == null || body.length > inlineMaxBytes) {
            return null;
        }
        return new TopicEvent.InlineMessage(MessageProperties.qos(m.getUserProperty(MessageProperties.MQTT_QOS)),
                "true".equals(m.getUserProperty(MessageProperties.MQTT_RETAIN)),
                MessageProperties.payload(m.getUserProperty(MessageProperties.MQTT_EMPTY), body));
    }

    private void redispatch(MessageExt m, String topic) {
        try {
            Topics.validateTopicName(topic);
        } catch (InvalidTopicException e) {
            LOG.warn("Message {} on {} has an invalid MQTT topic, not delivered to MQTT subscribers: {}",
                    m.getMsgId(), m.getTopic(), e.getMessage());
            return;
        }
        Message copy = new Message(redispatchTopic, m.getBody());
        m.getProperties().forEach((key, value) -> {
            if (!MessageConst.STRING_HASH_SET.contains(key)) {
                copy.putUserProperty(key, value);
            }
        });
        copy.putUserProperty(ORIGIN_MESSAGE_ID, m.getMsgId());
        LmqDispatch.setOn(copy, LmqDispatch.lmqs(topic, wildcardFilters.apply(topic)));
        try {
            SendResult sent = redispatcher.send(copy, (mqs, msg, t) -> mqs.get(Math.floorMod(t.hashCode(), mqs.size())), topic);
            if (sent.getSendStatus() != SendStatus.SEND_OK) {
                throw new StoreException("redispatch of " + m.getMsgId() + " answered " + sent.getSendStatus());
            }
        } catch (StoreException e) {
            throw e;
        } catch (Exception e) {
            throw new StoreException("redispatch of " + m.getMsgId() + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        RemotingShutdown.stopEventThread(consumer);
        consumer.shutdown();
        RemotingShutdown.stopEventThread(redispatcher);
        redispatcher.shutdown();
    }
}
