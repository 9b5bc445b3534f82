package org.rmqtt.gateway.subscribe;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.rmqtt.common.health.Counters;
import org.rmqtt.common.health.ThrottledWarning;
import org.rmqtt.meta.GatewayNode;
import org.rmqtt.meta.MetaClient;
import org.rmqtt.store.notify.NotifyClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a filter this node just added to meta visible to every publisher before SUBACK: each
 * other live gateway is asked (notify RPC) to answer once its meta view reached this node's view
 * index, which is at least the index of the write. A message published on any gateway after
 * that is dispatched to the filter's LMQ and announced here.
 *
 * <p>A gateway that does not answer within the timeout is waited out for the whole timeout:
 * gateways never store a message with a view older than that ({@code PublishService} refreshes
 * a staler one first), so its next publish sees the filter too. A gateway that refuses the
 * connection is not serving publishes and is not waited for.
 */
public final class FilterSync {
    private static final Logger LOG = LoggerFactory.getLogger(FilterSync.class);
    /** Pause before asking a node again that refused (it does not know this node yet, or is busy). */
    private static final long RETRY_MS = 50;

    private final String nodeId;
    private final MetaClient meta;
    private final NotifyClient notify;
    private final Duration timeout;
    private final Counters counters;
    private final ThrottledWarning warnings = new ThrottledWarning(LOG, Duration.ofSeconds(10));

    public FilterSync(String nodeId, MetaClient meta, NotifyClient notify, Duration timeout, Counters counters) {
        this.nodeId = nodeId;
        this.meta = meta;
        this.notify = notify;
        this.timeout = timeout;
        this.counters = counters;
    }

    /** Call after the filter write completed; never completes exceptionally. */
    public CompletableFuture<Void> visibleEverywhere() {
        long index = meta.viewIndex();
        long deadline = System.nanoTime() + timeout.toNanos();
        List<CompletableFuture<Void>> confirmations = new ArrayList<>();
        for (GatewayNode node : meta.liveNodes()) {
            if (!node.id().equals(nodeId)) {
                CompletableFuture<Void> confirmed = new CompletableFuture<>();
                ask(node, index, deadline, confirmed);
                confirmations.add(confirmed);
            }
        }
        return CompletableFuture.allOf(confirmations.toArray(CompletableFuture[]::new));
    }

    /**
     * Asks until the node confirms or the deadline passes. A refusal (it does not know this node
     * yet, its queue is full) is asked again shortly; at the deadline the node is given up, which
     * is safe because it does not store with a view older than the timeout.
     */
    private void ask(GatewayNode node, long index, long deadline, CompletableFuture<Void> confirmed) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
            counters.increment(Counters.Name.SUBSCRIBE_SYNC_TIMEOUTS);
            warnings.warn(node.id(), "Gateway {} did not confirm meta index {} within {} ms; SUBACK waited the full "
                    + "timeout for it", node.id(), index, timeout.toMillis());
            confirmed.complete(null);
            return;
        }
        notify.syncView(node.notifyAddress(), index)
                .orTimeout(left, TimeUnit.MILLISECONDS)
                .whenComplete((ok, error) -> {
                    if (error == null || refused(error)) {
                        confirmed.complete(null);
                    } else {
                        long pause = Math.max(0, Math.min(RETRY_MS,
                                TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                        CompletableFuture.delayedExecutor(pause, TimeUnit.MILLISECONDS)
                                .execute(() -> ask(node, index, deadline, confirmed));
                    }
                });
    }

    /** Connection refused: nothing listens on the node's notify port, so it stores nothing either. */
    private static boolean refused(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof java.net.ConnectException
                    || t instanceof org.apache.rocketmq.remoting.exception.RemotingConnectException) {
                return true;
            }
        }
        return false;
    }
}
