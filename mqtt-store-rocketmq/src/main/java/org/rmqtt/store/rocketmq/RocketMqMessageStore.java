package org.rmqtt.store.rocketmq;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.rocketmq.client.consumer.PullCallback;
import org.apache.rocketmq.client.consumer.PullResult;
import org.apache.rocketmq.client.consumer.PullStatus;
import org.apache.rocketmq.client.exception.MQBrokerException;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.impl.CommunicationMode;
import org.apache.rocketmq.client.impl.FindBrokerResult;
import org.apache.rocketmq.client.impl.consumer.PullResultExt;
import org.apache.rocketmq.client.impl.factory.MQClientInstance;
import org.apache.rocketmq.client.impl.producer.TopicPublishInfo;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendCallback;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.MixAll;
import org.apache.rocketmq.common.filter.ExpressionType;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageDecoder;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;
import org.apache.rocketmq.common.sysflag.PullSysFlag;
import org.apache.rocketmq.remoting.InvokeCallback;
import org.apache.rocketmq.remoting.netty.ResponseFuture;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.RequestCode;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.apache.rocketmq.remoting.protocol.header.GetMaxOffsetRequestHeader;
import org.apache.rocketmq.remoting.protocol.header.GetMaxOffsetResponseHeader;
import org.apache.rocketmq.remoting.protocol.header.PullMessageRequestHeader;
import org.apache.rocketmq.remoting.protocol.route.BrokerData;
import org.apache.rocketmq.remoting.protocol.route.TopicRouteData;
import org.rmqtt.common.mapping.TopicMapper;
import org.rmqtt.store.MessageStore;
import org.rmqtt.store.PublishReceipt;
import org.rmqtt.store.PublishRequest;
import org.rmqtt.store.PullBatch;
import org.rmqtt.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link MessageStore} on RocketMQ: one message on the mapped first-level topic, dispatched by
 * the broker to LMQs through {@code INNER_MULTI_DISPATCH}; reads pull an LMQ (queue 0) directly.
 */
public final class RocketMqMessageStore implements MessageStore {
    private static final Logger LOG = LoggerFactory.getLogger(RocketMqMessageStore.class);
    /** LMQ groups are accepted by the broker without prior registration. */
    static final String PULL_GROUP = MixAll.LMQ_PREFIX + "rmqtt_gateway";
    private static final long TIMEOUT_MS = 3_000;

    private final TopicMapper mapper;
    private final boolean brokerPlugin;
    private final DefaultMQProducer producer;
    private final ExecutorService blockingCalls;
    private MQClientInstance client;

    /**
     * @param brokerPlugin whether the brokers run {@code LmqDispatchPlugin}; only then are a topic's
     *                     messages sent in batches
     */
    public RocketMqMessageStore(String namesrv, String instanceName, TopicMapper mapper, boolean brokerPlugin) {
        this.mapper = mapper;
        this.brokerPlugin = brokerPlugin;
        this.producer = new DefaultMQProducer("rmqtt_gateway");
        producer.setNamesrvAddr(namesrv);
        // Gateways sharing a JVM (tests) must not share one client instance and its groups.
        producer.setInstanceName(instanceName);
        producer.setSendMsgTimeout((int) TIMEOUT_MS);
        producer.setRetryTimesWhenSendAsyncFailed(2);
        producer.setMaxMessageSize(4 * 1024 * 1024 + 64 * 1024);
        this.blockingCalls = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "rmqtt-store-admin");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Connects and checks that every mapped topic has a route; a RocketMQ that is unreachable or
     * lacks a topic stops start-up here, with the reason.
     */
    public void start() {
        ClientInstances.prepare(producer);
        try {
            producer.start();
        } catch (MQClientException e) {
            throw new StoreException("cannot start the RocketMQ producer: " + e.getMessage(), e);
        }
        ClientInstances.stopBatchingThreads(producer);
        client = producer.getDefaultMQProducerImpl().getMqClientFactory();
        RemotingShutdown.stopIdleEventThread(client);
        mapper.rocketTopics().forEach(this::requireRoute);
        LOG.info("RocketMQ store connected to {}, topics {}, brokers {}", producer.getNamesrvAddr(),
                mapper.rocketTopics(), brokerNames());
    }

    /** Fails with the reason and the fix if {@code topic} has no route at the name server. */
    public void requireRoute(String topic) {
        boolean found;
        RuntimeException cause = null;
        try {
            found = client.updateTopicRouteInfoFromNameServer(topic);
        } catch (RuntimeException e) {
            // The client reports an unreachable name server this way.
            found = false;
            cause = e;
        }
        if (!found) {
            throw new StoreException("RocketMQ topic '" + topic + "' has no route at name server "
                    + producer.getNamesrvAddr() + " (is RocketMQ reachable, and was the topic created? "
                    + "e.g. mqadmin updateTopic -n <namesrv> -c <cluster> -t " + topic + ")"
                    + (cause == null ? "" : ": " + cause.getMessage()), cause);
        }
    }

    @Override
    public CompletableFuture<PublishReceipt> publish(PublishRequest request) {
        Message msg = toMessage(request);
        CompletableFuture<PublishReceipt> result = new CompletableFuture<>();
        try {
            // One queue per MQTT topic keeps a topic's messages in order for backend consumers too.
            producer.send(msg, (mqs, m, topic) -> mqs.get(MqttMessages.queueOf((String) topic, mqs.size())),
                    request.topic(), callback(result), TIMEOUT_MS);
        } catch (Exception e) {
            result.completeExceptionally(sendFailure("send failed: ", e));
        }
        return result;
    }

    /**
     * One RocketMQ batch on the topic's queue. The commitlog's batch path skips LMQ dispatch, so
     * this is only right where the broker runs the dispatch plug-in (it splits MQTT batches into
     * single puts); elsewhere the notifier's fallback would have to copy every message again.
     */
    @Override
    public CompletableFuture<Void> publishAll(List<PublishRequest> requests) {
        if (requests.size() == 1 || !brokerPlugin) {
            return MessageStore.super.publishAll(requests);
        }
        String rocketTopic = mapper.rocketTopic(requests.get(0).topic());
        TopicPublishInfo info = producer.getDefaultMQProducerImpl().getTopicPublishInfoTable().get(rocketTopic);
        if (info == null || !info.ok()) {
            return CompletableFuture.failedFuture(new StoreException("no route for RocketMQ topic " + rocketTopic));
        }
        List<MessageQueue> queues = info.getMessageQueueList();
        MessageQueue queue = queues.get(MqttMessages.queueOf(requests.get(0).topic(), queues.size()));
        List<Message> batch = new ArrayList<>(requests.size());
        requests.forEach(r -> batch.add(toMessage(r)));
        CompletableFuture<PublishReceipt> result = new CompletableFuture<>();
        try {
            producer.send(batch, queue, callback(result), TIMEOUT_MS);
        } catch (Exception e) {
            result.completeExceptionally(sendFailure("batch send failed: ", e));
        }
        return result.thenApply(receipt -> null);
    }

    private Message toMessage(PublishRequest request) {
        return MqttMessages.toMessage(mapper, request);
    }

    private static SendCallback callback(CompletableFuture<PublishReceipt> result) {
        return new SendCallback() {
            @Override
            public void onSuccess(SendResult sent) {
                if (sent.getSendStatus() == SendStatus.SEND_OK) {
                    result.complete(new PublishReceipt(sent.getMsgId(), sent.getMessageQueue().getBrokerName()));
                } else {
                    // Flush or slave timeouts: the write is not confirmed durable as configured.
                    result.completeExceptionally(new StoreException("RocketMQ answered " + sent.getSendStatus()));
                }
            }

            @Override
            public void onException(Throwable e) {
                result.completeExceptionally(sendFailure("send failed: ", e));
            }
        };
    }

    /**
     * A message the client library or the broker refuses as illegal (too large, bad properties)
     * is refused again however often it is sent: marked permanent so that nobody retries it.
     */
    static StoreException sendFailure(String what, Throwable e) {
        int code = e instanceof MQClientException c ? c.getResponseCode()
                : e instanceof MQBrokerException b ? b.getResponseCode() : -1;
        boolean permanent = code == ResponseCode.MESSAGE_ILLEGAL || e instanceof IllegalArgumentException;
        return new StoreException(what + e.getMessage(), e, permanent);
    }

    @Override
    public CompletableFuture<PullBatch> pull(String brokerName, String lmq, long offset, int max) {
        CompletableFuture<PullBatch> result = new CompletableFuture<>();
        try {
            String addr = brokerAddress(brokerName);
            PullMessageRequestHeader header = new PullMessageRequestHeader();
            header.setConsumerGroup(PULL_GROUP);
            header.setTopic(lmq);
            header.setQueueId(MixAll.LMQ_QUEUE_ID);
            header.setQueueOffset(offset);
            header.setMaxMsgNums(max);
            header.setSysFlag(PullSysFlag.buildSysFlag(false, false, true, false));
            header.setCommitOffset(0L);
            header.setSuspendTimeoutMillis(0L);
            header.setSubscription("*");
            header.setSubVersion(0L);
            header.setExpressionType(ExpressionType.TAG);
            header.setBrokerName(brokerName);
            client.getMQClientAPIImpl().pullMessage(addr, header, TIMEOUT_MS, CommunicationMode.ASYNC, new PullCallback() {
                @Override
                public void onSuccess(PullResult pulled) {
                    try {
                        result.complete(toBatch(lmq, offset, (PullResultExt) pulled));
                    } catch (RuntimeException e) {
                        result.completeExceptionally(e);
                    }
                }

                @Override
                public void onException(Throwable e) {
                    result.completeExceptionally(new StoreException("pull " + lmq + "@" + brokerName + " failed: " + e.getMessage(), e));
                }
            });
        } catch (Exception e) {
            result.completeExceptionally(new StoreException("pull " + lmq + "@" + brokerName + " failed: " + e.getMessage(), e));
        }
        return result;
    }

    private static PullBatch toBatch(String lmq, long offset, PullResultExt pulled) {
        PullStatus status = pulled.getPullStatus();
        if (status == PullStatus.NO_NEW_MSG || status == PullStatus.NO_MATCHED_MSG) {
            return PullBatch.empty(Math.max(offset, pulled.getNextBeginOffset()));
        }
        if (status == PullStatus.OFFSET_ILLEGAL) {
            return new PullBatch(PullBatch.Status.OFFSET_MOVED, List.of(), pulled.getNextBeginOffset());
        }
        List<MessageExt> found = MessageDecoder.decodesBatch(ByteBuffer.wrap(pulled.getMessageBinary()), true, true, true);
        return MqttMessages.found(lmq, offset, found, pulled.getNextBeginOffset());
    }

    @Override
    public CompletableFuture<Map<String, Long>> maxOffsets(String lmq) {
        return CompletableFuture.supplyAsync(() -> {
            Map<String, Long> offsets = new HashMap<>();
            for (String broker : brokerNames()) {
                try {
                    offsets.put(broker, client.getMQClientAPIImpl().getMaxOffset(brokerAddress(broker),
                            new MessageQueue(lmq, broker, MixAll.LMQ_QUEUE_ID), TIMEOUT_MS));
                } catch (Exception e) {
                    throw new StoreException("max offset of " + lmq + "@" + broker + " failed: " + e.getMessage(), e);
                }
            }
            return offsets;
        }, blockingCalls);
    }

    /**
     * The brokers' queue limits are not known here: a broker at its limit refuses the first message
     * of a new queue instead ({@code LMQ_CONSUME_QUEUE_NUM_EXCEEDED}, from the dispatch plug-in).
     */
    @Override
    public CompletableFuture<Map<String, Long>> subscriptionStart(String lmq) {
        return maxOffsets(lmq);
    }

    /**
     * RocketMQ 5.3.3 has no batched max-offset request for LMQs (its topic-stats call needs a
     * topic config, which LMQs lack), so this sends one small GET_MAX_OFFSET per LMQ and broker,
     * all asynchronously: the round costs about one round trip plus the broker's work, not one
     * round trip per LMQ. A query that fails leaves its LMQ out of the result.
     */
    @Override
    public CompletableFuture<Map<String, Map<String, Long>>> maxOffsets(java.util.Collection<String> lmqs) {
        Map<String, String> addresses = new HashMap<>();
        try {
            for (String broker : brokerNames()) {
                addresses.put(broker, brokerAddress(broker));
            }
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        Map<String, Map<String, Long>> result = new java.util.concurrent.ConcurrentHashMap<>();
        List<CompletableFuture<Void>> queries = new ArrayList<>();
        for (String lmq : lmqs) {
            addresses.forEach((broker, address) -> queries.add(maxOffset(address, broker, lmq)
                    .thenAccept(offset -> result.computeIfAbsent(lmq, l -> new java.util.concurrent.ConcurrentHashMap<>())
                            .put(broker, offset))
                    .exceptionally(e -> {
                        LOG.debug("max offset of {}@{} failed: {}", lmq, broker, e.toString());
                        return null;
                    })));
        }
        return CompletableFuture.allOf(queries.toArray(CompletableFuture[]::new)).thenApply(v -> result);
    }

    private CompletableFuture<Long> maxOffset(String address, String broker, String lmq) {
        GetMaxOffsetRequestHeader header = new GetMaxOffsetRequestHeader();
        header.setTopic(lmq);
        header.setQueueId(MixAll.LMQ_QUEUE_ID);
        header.setBrokerName(broker);
        RemotingCommand request = RemotingCommand.createRequestCommand(RequestCode.GET_MAX_OFFSET, header);
        CompletableFuture<Long> done = new CompletableFuture<>();
        try {
            client.getMQClientAPIImpl().getRemotingClient().invokeAsync(address, request, TIMEOUT_MS, new InvokeCallback() {
                @Override
                public void operationComplete(ResponseFuture responseFuture) {
                }

                @Override
                public void operationSucceed(RemotingCommand response) {
                    try {
                        if (response.getCode() != ResponseCode.SUCCESS) {
                            throw new StoreException("max offset of " + lmq + "@" + broker + ": " + response.getRemark());
                        }
                        done.complete(((GetMaxOffsetResponseHeader) response
                                .decodeCommandCustomHeader(GetMaxOffsetResponseHeader.class)).getOffset());
                    } catch (Exception e) {
                        done.completeExceptionally(e);
                    }
                }

                @Override
                public void operationFail(Throwable throwable) {
                    done.completeExceptionally(throwable);
                }
            });
        } catch (Exception e) {
            done.completeExceptionally(e);
        }
        return done;
    }

    /** Brokers that host the mapped topics: every LMQ has a part on each of them. */
    public Set<String> brokerNames() {
        Set<String> names = new TreeSet<>();
        for (String topic : mapper.rocketTopics()) {
            TopicRouteData route = client.getTopicRouteTable().get(topic);
            if (route != null) {
                route.getBrokerDatas().stream().map(BrokerData::getBrokerName).forEach(names::add);
            }
        }
        return names;
    }

    private String brokerAddress(String brokerName) {
        FindBrokerResult found = client.findBrokerAddressInSubscribe(brokerName, MixAll.MASTER_ID, true);
        if (found == null) {
            throw new StoreException("no address known for broker " + brokerName);
        }
        return found.getBrokerAddr();
    }

    public String namesrv() {
        return producer.getNamesrvAddr();
    }

    @Override
    public void close() {
        RemotingShutdown.stopEventThread(producer);
        producer.shutdown();
        blockingCalls.shutdownNow();
    }
}
