package org.rmqtt.store.plugin;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.rocketmq.common.BoundaryType;
import org.apache.rocketmq.common.MixAll;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageAccessor;
import org.apache.rocketmq.common.message.MessageDecoder;
import org.apache.rocketmq.common.message.MessageExtBatch;
import org.apache.rocketmq.common.message.MessageExtBrokerInner;
import org.apache.rocketmq.store.AppendMessageResult;
import org.apache.rocketmq.store.AppendMessageStatus;
import org.apache.rocketmq.store.MessageStore;
import org.apache.rocketmq.store.PutMessageResult;
import org.apache.rocketmq.store.PutMessageStatus;
import org.apache.rocketmq.store.ReputOnWrite;
import org.apache.rocketmq.store.plugin.AbstractPluginMessageStore;
import org.apache.rocketmq.store.plugin.MessageStorePluginContext;
import org.rmqtt.common.health.ThrottledWarning;
import org.rmqtt.common.message.MessageProperties;
import org.rmqtt.common.topic.InvalidTopicException;
import org.rmqtt.common.topic.Topics;
import org.rmqtt.store.LmqDispatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Broker plug-in ({@code messageStorePlugIn}) that indexes every message carrying an MQTT topic
 * property into its LMQs: the exact topic's and the matching wildcard filters'. So a plain
 * RocketMQ producer reaches MQTT subscribers, and the commitlog holds one copy.
 *
 * <p>The dispatch list is always recomputed here: a list sent by a producer is never trusted, or
 * any producer could write into any LMQ. Messages without the property are left as they are.
 */
public class LmqDispatchPlugin extends AbstractPluginMessageStore {
    private static final Logger LOG = LoggerFactory.getLogger(LmqDispatchPlugin.class);

    private static volatile Function<String, Set<String>> wildcardFilters = topic -> Set.of();
    /** Refusals at the queue limit, of messages and of subscriptions alike: one line a minute. */
    private final ThrottledWarning overLimit = new ThrottledWarning(LOG, Duration.ofMinutes(1));

    /** Told of each write: the store's dispatch waits for it. Null: the store polls on its own. */
    private volatile ReputOnWrite dispatch;
    /** Whether this thread is inside {@link #writing}. */
    private static final ThreadLocal<boolean[]> DEFERRING = ThreadLocal.withInitial(() -> new boolean[1]);
    /** Whether the commitlog encodes the properties of a message with an LMQ dispatch itself. */
    private final boolean lmqEncodedOnAppend;
    /** Told of each MQTT message appended from outside {@link #writing} (a backend's), before it is dispatched. */
    private final List<Consumer<MessageExtBrokerInner>> appendListeners = new CopyOnWriteArrayList<>();

    public LmqDispatchPlugin(MessageStorePluginContext context, MessageStore next) {
        super(context, next);
        this.lmqEncodedOnAppend = context.getMessageStoreConfig().isEnableLmq();
        LOG.info("MQTT LMQ dispatch plug-in loaded");
    }

    /** Where the plug-in learns the wildcard filters in use; set by a process that embeds the broker. */
    public static void useWildcardFilters(Function<String, Set<String>> source) {
        wildcardFilters = source;
    }

    /** Tells {@code dispatch} of every write from here on; set by a process that embeds the broker. */
    public void dispatchOnWrites(ReputOnWrite dispatch) {
        this.dispatch = dispatch;
    }

    /**
     * Tells {@code listener} of each MQTT message appended from outside {@link #writing} (through
     * the broker's send path: a backend's), with its LMQ offsets set, before the dispatch announces
     * it, until the returned action runs. Called on the appending thread; it must not block.
     */
    public Runnable onAppended(Consumer<MessageExtBrokerInner> listener) {
        appendListeners.add(listener);
        return () -> appendListeners.remove(listener);
    }

    /**
     * Runs {@code puts} on this thread, then dispatches them on it (see
     * {@link ReputOnWrite#dispatchNow()}) instead of telling the dispatch thread after each. So a
     * caller that records its writes as they complete on this thread (as the in-process store
     * does, for readers of what was just written) has recorded them before they are announced.
     * Puts that complete later (a SYNC_FLUSH waits for the disk) tell the dispatch then.
     */
    public <T> T writing(Supplier<T> puts) {
        boolean[] deferring = DEFERRING.get();
        deferring[0] = true;
        try {
            return puts.get();
        } finally {
            deferring[0] = false;
            ReputOnWrite d = dispatch;
            if (d != null) {
                d.dispatchNow();
            }
        }
    }

    @Override
    public PutMessageResult putMessage(MessageExtBrokerInner msg) {
        List<String> lmqs = addDispatch(msg);
        if (opensLmqOverLimit(lmqs, msg)) {
            return overLmqLimit();
        }
        boolean tell = lmqs != null && !DEFERRING.get()[0];
        PutMessageResult result = next.putMessage(msg);
        appended(tell, msg, result);
        written(result, null);
        return result;
    }

    @Override
    public CompletableFuture<PutMessageResult> asyncPutMessage(MessageExtBrokerInner msg) {
        List<String> lmqs = addDispatch(msg);
        if (opensLmqOverLimit(lmqs, msg)) {
            return CompletableFuture.completedFuture(overLmqLimit());
        }
        // Decided here, on the caller's thread: a SYNC_FLUSH put completes on the flush thread.
        boolean tell = lmqs != null && !DEFERRING.get()[0];
        return next.asyncPutMessage(msg).whenComplete((result, failure) -> {
            appended(tell, msg, result);
            written(result, failure);
        });
    }

    private void appended(boolean tell, MessageExtBrokerInner msg, PutMessageResult result) {
        if (!tell || appendListeners.isEmpty() || result == null || result.getAppendMessageResult() == null
                || !result.getAppendMessageResult().isOk()) {
            return;
        }
        for (Consumer<MessageExtBrokerInner> listener : appendListeners) {
            try {
                listener.accept(msg);
            } catch (RuntimeException e) {
                LOG.warn("A listener of appended messages failed: {}", e.toString());
            }
        }
    }

    private static PutMessageResult overLmqLimit() {
        return new PutMessageResult(PutMessageStatus.LMQ_CONSUME_QUEUE_NUM_EXCEEDED, null);
    }

    /**
     * Whether {@code lmqs} name a queue the store does not have while it already holds
     * {@code maxLmqConsumeQueueNum} queues (RocketMQ's own key, which 4.x enforced and 5.3.3 no
     * longer checks). Such a message is refused; messages whose queues (topic and matching
     * filters) all exist keep working. Past the
     * file store's real limits (open files, memory maps) RocketMQ would otherwise retry opening the
     * queue for 30 s while writes wait, then leave the message out of it: a silent loss.
     */
    private boolean opensLmqOverLimit(List<String> lmqs, MessageExtBrokerInner msg) {
        if (lmqs == null) {
            return false;
        }
        Map<String, ?> queues = next.getQueueStore().getConsumeQueueTable();
        if (!atLimit(queues)) {
            return false;
        }
        for (String lmq : lmqs) {
            if (!queues.containsKey(lmq)) {
                warnOverLimit("messages", "MQTT topic " + msg.getProperty(MessageProperties.MQTT_TOPIC));
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a message to {@code lmq} would be stored now: its queue exists, or the store holds
     * fewer than {@code maxLmqConsumeQueueNum} queues. For a new subscription (in-process, see
     * {@code InProcessMessageStore#subscriptionStart}): false is logged as refusals of messages are.
     */
    public boolean hasRoomForSubscription(String lmq) {
        Map<String, ?> queues = next.getQueueStore().getConsumeQueueTable();
        if (!atLimit(queues) || queues.containsKey(lmq)) {
            return true;
        }
        warnOverLimit("subscriptions", "LMQ " + lmq);
        return false;
    }

    private boolean atLimit(Map<String, ?> queues) {
        return queues.size() >= next.getMessageStoreConfig().getMaxLmqConsumeQueueNum();
    }

    private void warnOverLimit(String what, String first) {
        overLimit.warn("lmq-limit", "Refusing {} that need a new LMQ (first: {}): this broker holds {} consume queues,"
                + " maxLmqConsumeQueueNum is {}. Raise it with the open-files limit and vm.max_map_count, or keep"
                + " consume queues in RocksDB (docs/operations.md, \"Open files and memory maps\"). Logged once a"
                + " minute.", what, first, next.getQueueStore().getConsumeQueueTable().size(),
                next.getMessageStoreConfig().getMaxLmqConsumeQueueNum());
    }

    private void written(Object result, Throwable failure) {
        ReputOnWrite d = dispatch;
        if (d != null && !DEFERRING.get()[0]) {
            d.signal();
        }
    }

    @Override
    public PutMessageResult putMessages(MessageExtBatch batch) {
        return asyncPutMessages(batch).join();
    }

    /**
     * The commitlog's batch path ignores LMQ dispatch, so a batch with MQTT messages is written
     * as single puts, in order. The batch is then no longer atomic. The puts are appended one
     * after the other without waiting for each to be flushed: a broker with SYNC_FLUSH then
     * flushes the whole batch in one group commit instead of one disk flush per message.
     */
    @Override
    public CompletableFuture<PutMessageResult> asyncPutMessages(MessageExtBatch batch) {
        if (!MixAll.topicAllowsLMQ(batch.getTopic())) {
            return next.asyncPutMessages(batch).whenComplete(this::written);
        }
        List<Message> messages;
        try {
            messages = MessageDecoder.decodeMessages(ByteBuffer.wrap(batch.getBody()));
        } catch (Exception e) {
            return next.asyncPutMessages(batch); // the store reports the malformed batch itself
        }
        if (messages.stream().noneMatch(m -> m.getProperty(MessageProperties.MQTT_TOPIC) != null)) {
            return next.asyncPutMessages(batch).whenComplete(this::written);
        }
        // The store appends in the calling thread, in call order; only the flush (and replication)
        // completes later. A message it refuses at once ends the batch, so nothing after it is
        // stored ahead of the client's resend.
        CompletableFuture<PutMessageResult> all = CompletableFuture.completedFuture(null);
        for (Message m : messages) {
            CompletableFuture<PutMessageResult> put = asyncPutMessage(single(batch, m));
            all = all.thenCombine(put, (previous, r) -> previous != null && !previous.isOk() ? previous : merge(previous, r));
            if (put.isDone() && (put.isCompletedExceptionally() || !put.join().isOk())) {
                break;
            }
        }
        return all;
    }

    private static MessageExtBrokerInner single(MessageExtBatch batch, Message m) {
        MessageExtBrokerInner inner = new MessageExtBrokerInner();
        inner.setTopic(batch.getTopic());
        inner.setQueueId(batch.getQueueId());
        inner.setBody(m.getBody());
        inner.setFlag(m.getFlag());
        MessageAccessor.setProperties(inner, m.getProperties()); // encoded by addDispatch
        inner.setTagsCode(MessageExtBrokerInner.tagsString2tagsCode(inner.getTags()));
        inner.setBornTimestamp(batch.getBornTimestamp());
        inner.setBornHost(batch.getBornHost());
        inner.setStoreHost(batch.getStoreHost());
        inner.setSysFlag(batch.getSysFlag());
        inner.setReconsumeTimes(batch.getReconsumeTimes());
        return inner;
    }

    /** The answer for the whole batch: the first message's position, the count of all. */
    private static PutMessageResult merge(PutMessageResult first, PutMessageResult next) {
        if (first == null || !next.isOk()) {
            return next;
        }
        AppendMessageResult a = first.getAppendMessageResult();
        AppendMessageResult b = next.getAppendMessageResult();
        AppendMessageResult merged = new AppendMessageResult(AppendMessageStatus.PUT_OK, a.getWroteOffset(),
                a.getWroteBytes() + b.getWroteBytes(), a.getMsgId() + "," + b.getMsgId(), a.getStoreTimestamp(),
                a.getLogicsOffset(), a.getPagecacheRT() + b.getPagecacheRT());
        merged.setMsgNum(a.getMsgNum() + b.getMsgNum());
        return new PutMessageResult(PutMessageStatus.PUT_OK, merged);
    }

    /**
     * Adds the LMQ dispatch of an MQTT message. The commitlog writes the encoded properties, not
     * the map. With LMQ on, the commitlog encodes a message with a dispatch itself when it appends
     * it (after adding the LMQ offsets), so encoding here would be thrown away. Otherwise they are
     * encoded here when the dispatch changed them, or when the writer left them to this plug-in
     * (the in-process store and a split batch do, to encode each message once). Returns the LMQs
     * the message is dispatched to, or null when it is not an MQTT message.
     */
    private List<String> addDispatch(MessageExtBrokerInner msg) {
        List<String> lmqs = dispatchTo(msg);
        if (lmqs != null ? !lmqEncodedOnAppend : msg.getPropertiesString() == null) {
            msg.setPropertiesString(MessageDecoder.messageProperties2String(msg.getProperties()));
        }
        return lmqs;
    }

    private List<String> dispatchTo(MessageExtBrokerInner msg) {
        String topic = msg.getProperty(MessageProperties.MQTT_TOPIC);
        if (topic == null || !MixAll.topicAllowsLMQ(msg.getTopic())) {
            return null;
        }
        try {
            Topics.validateTopicName(topic);
        } catch (InvalidTopicException e) {
            LOG.warn("Message {} on {} has an invalid MQTT topic, not dispatched to MQTT subscribers: {}",
                    msg.getMsgId(), msg.getTopic(), e.getMessage());
            return null;
        }
        Set<String> filters = new java.util.HashSet<>(wildcardFilters.apply(topic));
        filters.addAll(verifiedFilters(topic, msg.getProperty(MessageProperties.MQTT_DISPATCH_FILTERS)));
        List<String> lmqs = LmqDispatch.lmqs(topic, filters);
        LmqDispatch.setOn(msg, lmqs);
        return lmqs;
    }

    /** The filters a gateway named that really are wildcard filters matching the topic. */
    private static List<String> verifiedFilters(String topic, String named) {
        if (named == null || named.isEmpty()) {
            return List.of();
        }
        try {
            return MessageProperties.decodeFilters(named).stream().filter(f -> {
                try {
                    Topics.validateFilter(f);
                    return Topics.isWildcard(f) && Topics.matches(f, topic);
                } catch (InvalidTopicException e) {
                    return false;
                }
            }).toList();
        } catch (IllegalArgumentException e) {
            return List.of();
        }
    }

    @Override
    public long getOffsetInQueueByTime(String topic, int queueId, long timestamp, BoundaryType boundaryType) {
        return next.getOffsetInQueueByTime(topic, queueId, timestamp, boundaryType);
    }
}
