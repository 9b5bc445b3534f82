package org.rmqtt.store.embedded;

import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.ToIntFunction;
import org.apache.rocketmq.common.MixAll;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageAccessor;
import org.apache.rocketmq.common.message.MessageClientIDSetter;
import org.apache.rocketmq.common.message.MessageConst;
import org.apache.rocketmq.common.message.MessageDecoder;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageExtBrokerInner;
import org.apache.rocketmq.store.GetMessageResult;
import org.apache.rocketmq.store.PutMessageResult;
import org.apache.rocketmq.store.PutMessageStatus;
import org.rmqtt.common.mapping.TopicMapper;
import org.rmqtt.store.MessageStore;
import org.rmqtt.store.PublishReceipt;
import org.rmqtt.store.PublishRequest;
import org.rmqtt.store.PullBatch;
import org.rmqtt.store.StoreException;
import org.rmqtt.store.StoredMessage;
import org.rmqtt.store.plugin.LmqDispatchPlugin;
import org.rmqtt.store.rocketmq.MqttMessages;

/**
 * {@link MessageStore} on the message store of the broker in this JVM: writes and reads go to
 * RocketMQ's store directly, with no remoting in between. Messages are built as for the remoting
 * path and stored as the broker's send processor stores them, so backends and the dispatch
 * plug-in see the same messages either way.
 *
 * <p>Writes append to the commitlog on one writer thread of their own, in the order they were
 * asked for, as the broker's send thread would: an append takes the commitlog's lock and may wait
 * for the next mapped file, which a network thread must never do (the flush, with SYNC_FLUSH,
 * completes the future later on the store's flush thread). Reads and offset queries may touch the
 * disk, so they run on a small pool of their own. Futures complete on store threads: callers hop
 * back to their own. A pull of what was just appended ({@link RecentWrites}) is answered at once,
 * on the caller's thread.
 */
public final class InProcessMessageStore implements MessageStore {
    /** The group reads are counted under in the store's statistics. */
    static final String READ_GROUP = MixAll.LMQ_PREFIX + "rmqtt_gateway";
    /** Enough for a few seconds of a fast stream: readers further behind read the store. */
    private static final long RECENT_BYTES = 16L << 20;
    /** A reader at the head asks within milliseconds; keeping more only carries garbage through young GCs. */
    private static final java.time.Duration RECENT_FOR = java.time.Duration.ofSeconds(1);

    private final org.apache.rocketmq.store.MessageStore store;
    /** The dispatch plug-in, when the store has it: the store's dispatch waits for our writes' records. */
    private final LmqDispatchPlugin plugin;
    private final TopicMapper mapper;
    private final String brokerName;
    private final String clusterName;
    private final SocketAddress storeHost;
    private final ToIntFunction<String> writeQueues;
    private final ExecutorService reads;
    /** One thread: appends keep the order in which callers asked for them. */
    private final ExecutorService writes;
    /** What was just appended, for readers at the head of an LMQ. */
    private final RecentWrites recent = new RecentWrites(RECENT_BYTES, RECENT_FOR);
    /** A backend's messages, told by the plug-in, go into {@link #recent} too until this runs. */
    private final Runnable stopBackendWrites;

    /**
     * @param store       the broker's store (with its plug-ins)
     * @param writeQueues RocketMQ topic → its number of write queues
     */
    public InProcessMessageStore(org.apache.rocketmq.store.MessageStore store, TopicMapper mapper, String brokerName,
                                 String clusterName, SocketAddress storeHost, ToIntFunction<String> writeQueues,
                                 int readThreads) {
        this.store = store;
        this.plugin = store instanceof LmqDispatchPlugin p ? p : null;
        this.stopBackendWrites = plugin == null ? () -> { } : plugin.onAppended(m -> {
            StoredMessage message = MqttMessages.stored(m, -1);
            if (message != null) {
                recent.appended(message.topic(), message.qos(), message.retain(), message.payload(),
                        m.getProperty(MessageConst.PROPERTY_INNER_MULTI_DISPATCH),
                        m.getProperty(MessageConst.PROPERTY_INNER_MULTI_QUEUE_OFFSET));
            }
        });
        this.mapper = mapper;
        this.brokerName = brokerName;
        this.clusterName = clusterName;
        this.storeHost = storeHost;
        this.writeQueues = writeQueues;
        this.writes = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "rmqtt-store-write");
            t.setDaemon(true);
            return t;
        });
        this.reads = Executors.newFixedThreadPool(readThreads, r -> {
            Thread t = new Thread(r, "rmqtt-store-read");
            t.setDaemon(true);
            return t;
        });
    }

    /** On the embedded broker, with its topics. */
    public static InProcessMessageStore on(EmbeddedRocketMq rocketMq, TopicMapper mapper, int readThreads) {
        var broker = rocketMq.broker();
        return new InProcessMessageStore(broker.getMessageStore(), mapper, broker.getBrokerConfig().getBrokerName(),
                broker.getBrokerConfig().getBrokerClusterName(), broker.getStoreHost(), topic -> {
                    var config = broker.getTopicConfigManager().selectTopicConfig(topic);
                    return config == null ? 0 : config.getWriteQueueNums();
                }, readThreads);
    }

    @Override
    public CompletableFuture<PublishReceipt> publish(PublishRequest request) {
        return onWriter(() -> put(request)).thenApply(this::receipt);
    }

    /**
     * Runs {@code append} on the writer thread; an exception it throws fails the future. The
     * future completes as soon as the append does, before the dispatch of the batch: the caller
     * acknowledges while the writer goes on to index and announce the messages.
     */
    private <T> CompletableFuture<T> onWriter(java.util.function.Supplier<CompletableFuture<T>> append) {
        CompletableFuture<T> result = new CompletableFuture<>();
        java.util.function.Supplier<CompletableFuture<T>> completing = () -> {
            CompletableFuture<T> appended = append.get();
            appended.whenComplete((value, error) -> {
                if (error != null) {
                    result.completeExceptionally(error);
                } else {
                    result.complete(value);
                }
            });
            return appended;
        };
        try {
            writes.execute(() -> {
                try {
                    // Dispatched after the batch, once RecentWrites holds it.
                    if (plugin == null) {
                        completing.get();
                    } else {
                        plugin.writing(completing);
                    }
                } catch (Throwable e) {
                    // As supplyAsync did: whatever the append throws fails the write, never strands it.
                    result.completeExceptionally(e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new StoreException("the message store is closed", e, false));
        }
        return result;
    }

    /**
     * The messages are appended one after the other without waiting for each to be flushed (the
     * store appends in call order), so SYNC_FLUSH flushes them in one group commit. A message
     * refused at once ends the batch: nothing after it is stored ahead of the client's resend.
     */
    @Override
    public CompletableFuture<Void> publishAll(List<PublishRequest> requests) {
        return onWriter(() -> appendAll(requests));
    }

    private CompletableFuture<Void> appendAll(List<PublishRequest> requests) {
        CompletableFuture<Void> all = CompletableFuture.completedFuture(null);
        for (PublishRequest request : requests) {
            CompletableFuture<PutMessageResult> put;
            try {
                put = put(request);
            } catch (RuntimeException e) {
                return all.thenCombine(CompletableFuture.failedFuture(e), (a, b) -> null);
            }
            CompletableFuture<PublishReceipt> stored = put.thenApply(this::receipt);
            all = all.thenCombine(stored, (a, b) -> null);
            if (stored.isCompletedExceptionally()) {
                break;
            }
        }
        return all;
    }

    private CompletableFuture<PutMessageResult> put(PublishRequest request) {
        Message msg = MqttMessages.toMessage(mapper, request);
        int queues = writeQueues.applyAsInt(msg.getTopic());
        if (queues <= 0) {
            throw new StoreException("RocketMQ topic " + msg.getTopic() + " does not exist on broker " + brokerName);
        }
        MessageExtBrokerInner inner = new MessageExtBrokerInner();
        inner.setTopic(msg.getTopic());
        inner.setQueueId(MqttMessages.queueOf(request.topic(), queues));
        inner.setBody(msg.getBody());
        inner.setFlag(msg.getFlag());
        Map<String, String> properties = msg.getProperties();
        // What a producer and the broker's send processor add: an id backends can look the message up by, the cluster.
        properties.put(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX, MessageClientIDSetter.createUniqID());
        properties.put(MessageConst.PROPERTY_CLUSTER, clusterName);
        // Absent means "wait for the store" too; present, the commitlog encodes the properties once
        // more to leave it out of the stored message.
        properties.remove(MessageConst.PROPERTY_WAIT_STORE_MSG_OK);
        MessageAccessor.setProperties(inner, properties);
        if (plugin == null) {
            inner.setPropertiesString(MessageDecoder.messageProperties2String(properties));
        } // else the plug-in encodes them once, after adding the dispatch
        inner.setTagsCode(MessageExtBrokerInner.tagsString2tagsCode(inner.getTags()));
        inner.setBornTimestamp(System.currentTimeMillis());
        inner.setBornHost(storeHost);
        inner.setStoreHost(storeHost);
        inner.setReconsumeTimes(0);
        return store.asyncPutMessage(inner).thenApply(result -> {
            if (result != null && result.getAppendMessageResult() != null && result.getAppendMessageResult().isOk()) {
                // Appended (a flush may still be due): the broker wrote the LMQ offsets into the message.
                recent.appended(request, inner.getProperty(MessageConst.PROPERTY_INNER_MULTI_DISPATCH),
                        inner.getProperty(MessageConst.PROPERTY_INNER_MULTI_QUEUE_OFFSET));
            }
            if (result == null) {
                throw new StoreException("the message store did not answer (shutting down?)");
            }
            if (!result.isOk()) {
                throw failure(result.getPutMessageStatus());
            }
            result.getAppendMessageResult().setMsgId(inner.getProperty(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX));
            return result;
        });
    }

    /** Refusals of the message itself are permanent, as the remoting path's MESSAGE_ILLEGAL is. */
    static StoreException failure(PutMessageStatus status) {
        boolean permanent = status == PutMessageStatus.MESSAGE_ILLEGAL || status == PutMessageStatus.PROPERTIES_SIZE_EXCEEDED;
        return new StoreException("RocketMQ store answered " + status, null, permanent);
    }

    private PublishReceipt receipt(PutMessageResult result) {
        return new PublishReceipt(result.getAppendMessageResult().getMsgId(), brokerName);
    }

    @Override
    public CompletableFuture<PullBatch> pull(String broker, String lmq, long offset, int max) {
        if (!brokerName.equals(broker)) {
            return CompletableFuture.failedFuture(new StoreException("no broker " + broker + " in this process"));
        }
        PullBatch just = recent.read(lmq, offset, max);
        if (just != null) {
            return CompletableFuture.completedFuture(just);
        }
        return CompletableFuture.supplyAsync(() -> read(lmq, offset, max), reads);
    }

    private PullBatch read(String lmq, long offset, int max) {
        GetMessageResult result = store.getMessage(READ_GROUP, lmq, MixAll.LMQ_QUEUE_ID, offset, max, null);
        if (result == null) {
            throw new StoreException("pull " + lmq + "@" + brokerName + " failed: the message store is not readable");
        }
        try {
            long next = result.getNextBeginOffset();
            // As the broker's pull processor answers, and the remoting client reads the answer.
            switch (result.getStatus()) {
                case FOUND -> {
                    List<MessageExt> found = new ArrayList<>(result.getMessageBufferList().size());
                    for (ByteBuffer buffer : result.getMessageBufferList()) {
                        MessageExt m = MessageDecoder.decode(buffer.slice(), true, true, false);
                        if (m != null) {
                            found.add(m);
                        }
                    }
                    return MqttMessages.found(lmq, offset, found, next);
                }
                case NO_MATCHED_LOGIC_QUEUE, NO_MESSAGE_IN_QUEUE -> {
                    return offset != 0 ? new PullBatch(PullBatch.Status.OFFSET_MOVED, List.of(), next)
                            : PullBatch.empty(Math.max(offset, next));
                }
                case OFFSET_OVERFLOW_BADLY, OFFSET_TOO_SMALL, OFFSET_RESET -> {
                    return new PullBatch(PullBatch.Status.OFFSET_MOVED, List.of(), next);
                }
                default -> {
                    // OFFSET_FOUND_NULL, OFFSET_OVERFLOW_ONE, MESSAGE_WAS_REMOVING, NO_MATCHED_MESSAGE
                    return PullBatch.empty(Math.max(offset, next));
                }
            }
        } finally {
            result.release();
        }
    }

    @Override
    public CompletableFuture<Map<String, Long>> maxOffsets(String lmq) {
        return CompletableFuture.supplyAsync(() -> Map.of(brokerName, maxOffset(lmq)), reads);
    }

    @Override
    public CompletableFuture<Map<String, Map<String, Long>>> maxOffsets(java.util.Collection<String> lmqs) {
        return CompletableFuture.supplyAsync(() -> {
            Map<String, Map<String, Long>> result = new java.util.HashMap<>();
            for (String lmq : lmqs) {
                try {
                    result.put(lmq, Map.of(brokerName, maxOffset(lmq)));
                } catch (StoreException e) {
                    // left out, as the port allows: one bad queue does not hide the others
                }
            }
            return result;
        }, reads);
    }

    @Override
    public CompletableFuture<Map<String, Long>> subscriptionStart(String lmq) {
        return CompletableFuture.supplyAsync(() -> {
            if (plugin != null && !plugin.hasRoomForSubscription(lmq)) {
                throw new StoreException("no room for the new queue " + lmq + ": the broker is at its queue limit"
                        + " (maxLmqConsumeQueueNum), so its messages would be refused", null, true);
            }
            return Map.of(brokerName, maxOffset(lmq));
        }, reads);
    }

    private long maxOffset(String lmq) {
        try {
            return store.getMaxOffsetInQueue(lmq, MixAll.LMQ_QUEUE_ID);
        } catch (Exception e) {
            throw new StoreException("max offset of " + lmq + "@" + brokerName + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        stopBackendWrites.run();
        writes.shutdown();
        reads.shutdownNow();
    }
}
