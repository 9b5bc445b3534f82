package org.rmqtt.gateway.subscribe;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
        List<CompletableFuture<Void>> confirmations = new ArrayList<>();
        for (GatewayNode node : meta.liveNodes()) {
            if (node.id().equals(nodeId)) {
                continue;
            }
            CompletableFuture<Void> confirmed = new CompletableFuture<>();
            notify.syncView(node.notifyAddress(), index)
                    .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .whenComplete((ok, error) -> {
                        if (error == null || refused(error)) {
                            confirmed.complete(null);
                            return;
                        }
                        counters.increment(Counters.Name.SUBSCRIBE_SYNC_TIMEOUTS);
                        warnings.warn(node.id(), "Gateway {} did not confirm meta index {} within {} ms; "
                                + "SUBACK waited the full timeout for it: {}", node.id(), index, timeout.toMillis(),
                                error.toString());
                        // A quick error is waited out too: the node may still be storing messages.
                        CompletableFuture.delayedExecutor(remaining(error), TimeUnit.MILLISECONDS)
                                .execute(() -> confirmed.complete(null));
                    });
            confirmations.add(confirmed);
        }
        return CompletableFuture.allOf(confirmations.toArray(CompletableFuture[]::new));
    }

    private long remaining(Throwable error) {
        return unwrap(error) instanceof TimeoutException ? 0 : timeout.toMillis();
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

    private static Throwable unwrap(Throwable error) {
        Throwable t = error;
        while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
