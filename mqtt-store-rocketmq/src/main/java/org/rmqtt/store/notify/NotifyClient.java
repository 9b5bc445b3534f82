package org.rmqtt.store.notify;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.rocketmq.remoting.InvokeCallback;
import org.apache.rocketmq.remoting.netty.NettyClientConfig;
import org.apache.rocketmq.remoting.netty.NettyRemotingClient;
import org.apache.rocketmq.remoting.netty.ResponseFuture;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.rmqtt.common.health.Counters;
import org.rmqtt.common.health.ThrottledWarning;
import org.rmqtt.common.notify.TopicEvent;
import org.rmqtt.common.notify.TopicEventCodec;
import org.rmqtt.store.rocketmq.RemotingHousekeeping;
import org.rmqtt.store.rocketmq.RemotingShutdown;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends notify events and takeover calls to other gateways. Events to one node are batched: while
 * a batch is in flight the next one accumulates, so a busy node gets few large RPCs rather than
 * one per message. Events for this node itself skip the network.
 *
 * <p>A batch that fails (node busy, restarting, not yet aware of us) is sent again with back-off
 * until {@link #RETRY_WINDOW} has passed; only then, or when the backlog to a node is full, are
 * events given up (counted; the receiver's periodic catch-up still finds the messages). Each event
 * has a future that completes once the node took it, so the notifier does not count a message as
 * consumed before that. To a node whose last attempt failed (dead, paused, overloaded) the future
 * completes at once: its events are retried in the background, and one sick node does not hold
 * up the notifier, and so every other node's events.
 *
 * <p>Events may carry their message ({@link TopicEvent#inline()}). Memory stays bounded: a batch
 * carries at most {@code inlineBatchBytes} of payloads and a node's backlog at most
 * {@link #BACKLOG_BATCHES} times that; events past either go without their message (the receiver
 * pulls it). A receiver of the previous release refuses such batches as an unknown version; it
 * then gets them without messages from here on. With a linger, a batch to a node with no RPC
 * under way waits that long for more events, so many quiet topics share one RPC.
 */
public final class NotifyClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NotifyClient.class);
    private static final int MAX_BATCH = 512;
    /** Events are hints; past this backlog a slow node loses some and its catch-up finds them. */
    private static final int MAX_BACKLOG = 100_000;
    private static final int WARN_BACKLOG = 10_000;
    private static final long TIMEOUT_MS = 3_000;
    /** How long a batch is retried: past this the node is probably gone (its lease runs out soon). */
    static final Duration RETRY_WINDOW = Duration.ofSeconds(10);
    private static final long FIRST_RETRY_MS = 50;
    private static final long MAX_RETRY_MS = 2_000;
    /** A node's queued inline payloads at most, in batches' worth. */
    static final int BACKLOG_BATCHES = 8;
    static final int DEFAULT_INLINE_BATCH_BYTES = 256 * 1024;
    /** Request field naming the sending node, checked by the receiver. */
    static final String FROM = "from";

    private final NettyRemotingClient client;
    private final String localNodeId;
    private final String localAddress;
    private final NotifyHandler localHandler;
    private final Counters counters;
    private final ThrottledWarning warnings = new ThrottledWarning(LOG, Duration.ofSeconds(10));
    private final Map<String, Outbox> outboxes = new ConcurrentHashMap<>();
    private final int inlineBatchBytes;
    private final long lingerNanos;
    private final ScheduledExecutorService lingerTimer;

    private record Queued(TopicEvent event, CompletableFuture<Void> handed) {}

    private static final class Outbox {
        final Queue<Queued> events = new ConcurrentLinkedQueue<>();
        final AtomicInteger size = new AtomicInteger();
        final AtomicBoolean sending = new AtomicBoolean();
        /** The last attempt failed: nobody waits for this node's hand-over until one succeeds. */
        volatile boolean failing;
        /** Payload bytes of the queued events' inline messages. */
        final AtomicLong inlineBytes = new AtomicLong();
        /** The node refused inline messages (an older release): send it events only. */
        volatile boolean noInline;
    }

    public NotifyClient(String localNodeId, String localAddress, NotifyHandler localHandler, Counters counters) {
        this(localNodeId, localAddress, localHandler, counters, DEFAULT_INLINE_BATCH_BYTES, Duration.ZERO);
    }

    /**
     * @param inlineBatchBytes inline payload bytes one RPC carries at most
     * @param linger           how long a batch to a node with no RPC under way waits for more events
     */
    public NotifyClient(String localNodeId, String localAddress, NotifyHandler localHandler, Counters counters,
                        int inlineBatchBytes, Duration linger) {
        this.inlineBatchBytes = inlineBatchBytes;
        this.lingerNanos = linger.toNanos();
        this.lingerTimer = linger.isZero() ? null : Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "rmqtt-notify-linger");
            t.setDaemon(true);
            return t;
        });
        NettyClientConfig config = new NettyClientConfig();
        config.setClientWorkerThreads(1);
        config.setClientCallbackExecutorThreads(1);
        // Gateways are addressed directly: there is no name server list to check every 3 s.
        config.setScanAvailableNameSrv(false);
        // Answers decoded and their callbacks run on the I/O thread, as ClientInstances does.
        config.setDisableNettyWorkerGroup(true);
        config.setDisableCallbackExecutor(true);
        this.client = new NettyRemotingClient(config);
        RemotingHousekeeping.share(client);
        this.localNodeId = localNodeId;
        this.localAddress = localAddress;
        this.localHandler = localHandler;
        this.counters = counters;
    }

    public void start() {
        client.start();
        RemotingShutdown.stopIdleEventThread(client);
    }

    /**
     * Queues {@code event} for the node at {@code address}; the future completes once the node
     * took it, or once it was given up (counted and logged, never exceptionally).
     */
    public CompletableFuture<Void> send(String address, TopicEvent event) {
        counters.increment(Counters.Name.NOTIFY_EVENTS_SENT);
        if (address.equals(localAddress)) {
            localHandler.onTopicEvents(List.of(event));
            return CompletableFuture.completedFuture(null);
        }
        Outbox box = outboxes.computeIfAbsent(address, a -> new Outbox());
        CompletableFuture<Void> handed = enqueue(address, box, event);
        kick(address, box);
        return handed;
    }

    /**
     * {@link #send} of each event, queued together so that they leave in one batch where they
     * fit; events for this node itself are handed over as one batch. The future completes once
     * all were handed over (or given up).
     */
    public CompletableFuture<Void> sendAll(String address, List<TopicEvent> events) {
        if (address.equals(localAddress)) {
            localHandler.onTopicEvents(events);
            return CompletableFuture.completedFuture(null);
        }
        counters.add(Counters.Name.NOTIFY_EVENTS_SENT, events.size());
        Outbox box = outboxes.computeIfAbsent(address, a -> new Outbox());
        List<CompletableFuture<Void>> handed = new ArrayList<>(events.size());
        for (TopicEvent event : events) {
            handed.add(enqueue(address, box, event));
        }
        kick(address, box);
        return CompletableFuture.allOf(handed.toArray(CompletableFuture[]::new));
    }

    private CompletableFuture<Void> enqueue(String address, Outbox box, TopicEvent event) {
        if (box.size.incrementAndGet() > MAX_BACKLOG) {
            box.size.decrementAndGet();
            counters.increment(Counters.Name.NOTIFY_EVENTS_DROPPED);
            warnings.warn("backlog " + address, "Notify backlog to {} is full ({} events); dropping events, "
                    + "the node's catch-up will find their messages", address, MAX_BACKLOG);
            return CompletableFuture.completedFuture(null);
        }
        counters.increment(Counters.Name.NOTIFY_BACKLOG);
        int backlog = box.size.get();
        if (backlog > WARN_BACKLOG) {
            warnings.warn("slow " + address, "Notify backlog to {} is {} events: the node takes events slower than "
                    + "they come", address, backlog);
        }
        int inline = event.inlineBytes();
        if (event.inline() != null) {
            if (box.noInline || box.inlineBytes.addAndGet(inline) > (long) BACKLOG_BATCHES * inlineBatchBytes) {
                if (!box.noInline) {
                    box.inlineBytes.addAndGet(-inline);
                }
                event = event.withoutInline();
            }
        }
        Queued queued = new Queued(event, new CompletableFuture<>());
        if (box.failing) {
            queued.handed().complete(null);
        }
        box.events.add(queued);
        return queued.handed();
    }

    /** Starts a batch unless one is under way (or lingering); a batch under way sends the rest when done. */
    private void kick(String address, Outbox box) {
        if (box.sending.compareAndSet(false, true)) {
            if (lingerTimer == null) {
                flush(address, box);
            } else {
                lingerTimer.schedule(() -> flush(address, box), lingerNanos, TimeUnit.NANOSECONDS);
            }
        }
    }

    private void flush(String address, Outbox box) {
        List<Queued> batch = new ArrayList<>(Math.min(MAX_BATCH, box.size.get()));
        long inlineLeft = inlineBatchBytes;
        Queued e;
        while (batch.size() < MAX_BATCH && (e = box.events.poll()) != null) {
            int inline = e.event().inlineBytes();
            if (e.event().inline() != null) {
                box.inlineBytes.addAndGet(-inline);
                if (inline > inlineLeft || box.noInline) {
                    e = new Queued(e.event().withoutInline(), e.handed());
                } else {
                    inlineLeft -= inline;
                }
            }
            batch.add(e);
        }
        if (batch.isEmpty()) {
            box.sending.set(false);
            // An event may have arrived between the poll and the reset.
            if (!box.events.isEmpty() && box.sending.compareAndSet(false, true)) {
                flush(address, box);
            }
            return;
        }
        byte[] body = TopicEventCodec.encode(batch.stream().map(Queued::event).toList());
        attempt(address, box, batch, body, 0, System.nanoTime() + RETRY_WINDOW.toNanos());
    }

    private void attempt(String address, Outbox box, List<Queued> batch, byte[] body, int tries, long deadline) {
        RemotingCommand request = request(NotifyProtocol.TOPIC_EVENTS);
        request.setBody(body);
        invoke(address, request).whenComplete((ok, error) -> {
            if (error == null) {
                box.failing = false;
                settle(box, batch);
                flush(address, box);
                return;
            }
            if (refusesInline(error) && !box.noInline && batch.stream().anyMatch(q -> q.event().inline() != null)) {
                LOG.info("Notify endpoint {} does not take events with messages (an older release); sending it events only",
                        address);
                box.noInline = true;
                List<Queued> plain = batch.stream().map(q -> new Queued(q.event().withoutInline(), q.handed())).toList();
                byte[] plainBody = TopicEventCodec.encode(plain.stream().map(Queued::event).toList());
                attempt(address, box, plain, plainBody, tries, deadline);
                return;
            }
            box.failing = true;
            batch.forEach(q -> q.handed().complete(null));
            long delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS << Math.min(tries, 10));
            if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delay) - deadline > 0) {
                counters.add(Counters.Name.NOTIFY_EVENTS_DROPPED, batch.size());
                warnings.warn("failed " + address, "Notify of {} events to {} failed for {} s, giving them up "
                        + "(the node's catch-up will find their messages): {}", batch.size(), address,
                        RETRY_WINDOW.toSeconds(), error.getMessage());
                settle(box, batch);
                flush(address, box);
                return;
            }
            counters.increment(Counters.Name.NOTIFY_RETRIES);
            warnings.warn("retry " + address, "Notify of {} events to {} failed, retrying with back-off: {}",
                    batch.size(), address, error.getMessage());
            Executor later = CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS);
            later.execute(() -> attempt(address, box, batch, body, tries + 1, deadline));
        });
    }

    /** How a receiver of the release before inline messages answers a batch with them. */
    private static boolean refusesInline(Throwable error) {
        String message = error.getMessage();
        return message != null && message.contains("unknown notify event version");
    }

    private void settle(Outbox box, List<Queued> batch) {
        box.size.addAndGet(-batch.size());
        counters.add(Counters.Name.NOTIFY_BACKLOG, -batch.size());
        batch.forEach(q -> q.handed().complete(null));
    }

    /**
     * Tells the node at {@code address} that {@code clientId} was taken over at {@code epoch};
     * completes with the state of the session it closed (empty if none).
     */
    public CompletableFuture<byte[]> sendTakeover(String address, String clientId, long epoch) {
        if (address.equals(localAddress)) {
            return localHandler.onSessionTakeover(clientId, epoch);
        }
        RemotingCommand request = request(NotifyProtocol.SESSION_TAKEOVER);
        request.setBody(NotifyProtocol.takeover(clientId, epoch));
        return invoke(address, request).thenApply(body -> body == null ? new byte[0] : body);
    }

    /**
     * Asks the node at {@code address} to answer once its meta view reflects log index
     * {@code index}; for a subscription that must be visible to every publisher before SUBACK.
     */
    public CompletableFuture<Void> syncView(String address, long index) {
        if (address.equals(localAddress)) {
            return localHandler.onViewSync(index);
        }
        RemotingCommand request = request(NotifyProtocol.VIEW_SYNC);
        request.setBody(NotifyProtocol.viewSync(index));
        return invoke(address, request).thenApply(body -> null);
    }

    /** Sends an admin API request to the node at {@code address}; completes with its reply. */
    public CompletableFuture<byte[]> admin(String address, byte[] body) {
        if (address.equals(localAddress)) {
            return localHandler.onAdminRequest(body);
        }
        RemotingCommand request = request(NotifyProtocol.ADMIN);
        request.setBody(body);
        return invoke(address, request).thenApply(reply -> reply == null ? new byte[0] : reply);
    }

    private RemotingCommand request(int code) {
        RemotingCommand request = RemotingCommand.createRequestCommand(code, null);
        request.addExtField(FROM, localNodeId);
        return request;
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
        if (lingerTimer != null) {
            lingerTimer.shutdownNow();
        }
        RemotingShutdown.stopEventThread(client);
        client.shutdown();
        // Nothing more is sent: whoever waits for a hand-over is released.
        outboxes.values().forEach(box -> {
            for (Queued q = box.events.poll(); q != null; q = box.events.poll()) {
                q.handed().complete(null);
            }
        });
    }
}
