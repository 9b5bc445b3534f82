package org.rmqtt.store.notify;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.rocketmq.remoting.InvokeCallback;
import org.apache.rocketmq.remoting.netty.NettyClientConfig;
import org.apache.rocketmq.remoting.netty.NettyRemotingClient;
import org.apache.rocketmq.remoting.netty.ResponseFuture;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.rmqtt.common.notify.TopicEvent;
import org.rmqtt.common.notify.TopicEventCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends notify events and takeover calls to other gateways. Events to one node are batched: while
 * a batch is in flight the next one accumulates, so a busy node gets few large RPCs rather than
 * one per message. Events for this node itself skip the network.
 */
public final class NotifyClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NotifyClient.class);
    private static final int MAX_BATCH = 512;
    /** Events are hints; past this backlog a slow node loses some and catches up on the next. */
    private static final int MAX_BACKLOG = 100_000;
    private static final long TIMEOUT_MS = 3_000;

    private final NettyRemotingClient client;
    private final String localAddress;
    private final NotifyHandler localHandler;
    private final Map<String, Outbox> outboxes = new ConcurrentHashMap<>();

    private static final class Outbox {
        final Queue<TopicEvent> events = new ConcurrentLinkedQueue<>();
        final AtomicInteger size = new AtomicInteger();
        final AtomicBoolean sending = new AtomicBoolean();
    }

    public NotifyClient(String localAddress, NotifyHandler localHandler) {
        NettyClientConfig config = new NettyClientConfig();
        config.setClientWorkerThreads(1);
        config.setClientCallbackExecutorThreads(1);
        this.client = new NettyRemotingClient(config);
        this.localAddress = localAddress;
        this.localHandler = localHandler;
    }

    public void start() {
        client.start();
    }

    /** Queues {@code event} for the node at {@code address}. */
    public void send(String address, TopicEvent event) {
        if (address.equals(localAddress)) {
            localHandler.onTopicEvents(List.of(event));
            return;
        }
        Outbox box = outboxes.computeIfAbsent(address, a -> new Outbox());
        if (box.size.incrementAndGet() > MAX_BACKLOG) {
            box.size.decrementAndGet();
            LOG.warn("Notify backlog to {} is full; dropping an event for {}", address, event.topic());
            return;
        }
        box.events.add(event);
        if (box.sending.compareAndSet(false, true)) {
            flush(address, box);
        }
    }

    private void flush(String address, Outbox box) {
        List<TopicEvent> batch = new ArrayList<>(Math.min(MAX_BATCH, box.size.get()));
        TopicEvent e;
        while (batch.size() < MAX_BATCH && (e = box.events.poll()) != null) {
            batch.add(e);
        }
        box.size.addAndGet(-batch.size());
        if (batch.isEmpty()) {
            box.sending.set(false);
            // An event may have arrived between the poll and the reset.
            if (!box.events.isEmpty() && box.sending.compareAndSet(false, true)) {
                flush(address, box);
            }
            return;
        }
        RemotingCommand request = RemotingCommand.createRequestCommand(NotifyProtocol.TOPIC_EVENTS, null);
        request.setBody(TopicEventCodec.encode(batch));
        invoke(address, request).whenComplete((ok, error) -> {
            if (error != null) {
                LOG.warn("Notify of {} events to {} failed: {}", batch.size(), address, error.getMessage());
            }
            flush(address, box);
        });
    }

    /**
     * Tells the node at {@code address} that {@code clientId} was taken over at {@code epoch};
     * completes with the state of the session it closed (empty if none).
     */
    public CompletableFuture<byte[]> sendTakeover(String address, String clientId, long epoch) {
        if (address.equals(localAddress)) {
            return localHandler.onSessionTakeover(clientId, epoch);
        }
        RemotingCommand request = RemotingCommand.createRequestCommand(NotifyProtocol.SESSION_TAKEOVER, null);
        request.setBody(NotifyProtocol.takeover(clientId, epoch));
        return invoke(address, request).thenApply(body -> body == null ? new byte[0] : body);
    }

    private CompletableFuture<byte[]> invoke(String address, RemotingCommand request) {
        CompletableFuture<byte[]> done = new CompletableFuture<>();
        try {
            client.invokeAsync(address, request, TIMEOUT_MS, new InvokeCallback() {
                @Override
                public void operationComplete(ResponseFuture responseFuture) {
                }

                @Override
                public void operationSucceed(RemotingCommand response) {
                    if (response.getCode() == ResponseCode.SUCCESS) {
                        done.complete(response.getBody());
                    } else {
                        done.completeExceptionally(new IllegalStateException(
                                "node " + address + " answered " + response.getCode() + ": " + response.getRemark()));
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

    @Override
    public void close() {
        client.shutdown();
    }
}
