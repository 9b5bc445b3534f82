package org.rmqtt.gateway.subscribe;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import org.rmqtt.common.topic.SubscriptionTrie;
import org.rmqtt.gateway.session.Subscription;
import org.rmqtt.meta.MetaClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This gateway's subscriptions, by filter, for matching topic events. It tells meta when a filter
 * comes into use on this node or goes out of use, so notifiers send events here and publishers
 * dispatch to the filter's LMQ.
 */
public final class SubscriptionIndex {
    private static final Logger LOG = LoggerFactory.getLogger(SubscriptionIndex.class);

    private final String nodeId;
    private final MetaClient meta;
    /** After a new filter is in meta: until every publisher's view has it. */
    private final java.util.function.Supplier<CompletableFuture<Void>> visibleEverywhere;
    private final SubscriptionTrie<Subscription> trie = new SubscriptionTrie<>();
    /** Meta updates of one filter are chained so that an add and a remove cannot overtake each other. */
    private final Map<String, CompletableFuture<Void>> metaTails = new HashMap<>();

    /** For a single gateway: no other publisher to wait for. */
    public SubscriptionIndex(String nodeId, MetaClient meta) {
        this(nodeId, meta, () -> CompletableFuture.completedFuture(null));
    }

    public SubscriptionIndex(String nodeId, MetaClient meta, FilterSync sync) {
        this(nodeId, meta, sync::visibleEverywhere);
    }

    private SubscriptionIndex(String nodeId, MetaClient meta,
                              java.util.function.Supplier<CompletableFuture<Void>> visibleEverywhere) {
        this.nodeId = nodeId;
        this.meta = meta;
        this.visibleEverywhere = visibleEverywhere;
    }

    /**
     * Adds {@code sub}; completes when meta knows this node holds the filter and every live
     * gateway's view has it, so what any of them stores from then on is dispatched to it.
     */
    public CompletableFuture<Void> add(Subscription sub) {
        synchronized (metaTails) {
            if (trie.add(sub.filter(), sub)) {
                return chain(sub.filter(), () -> meta.addFilter(nodeId, sub.filter())
                        .thenCompose(v -> visibleEverywhere.get()));
            }
            CompletableFuture<Void> pending = metaTails.get(sub.filter());
            return pending != null ? pending : CompletableFuture.completedFuture(null);
        }
    }

    public void remove(Subscription sub) {
        synchronized (metaTails) {
            if (trie.remove(sub.filter(), sub)) {
                chain(sub.filter(), () -> meta.removeFilter(nodeId, sub.filter()))
                        .exceptionally(e -> {
                            // Harmless but wasteful: events and dispatch for a filter nobody here reads.
                            LOG.warn("Could not drop filter {} of node {} from meta: {}", sub.filter(), nodeId, e.getMessage());
                            return null;
                        });
            }
        }
    }

    private CompletableFuture<Void> chain(String filter, java.util.function.Supplier<CompletableFuture<Void>> update) {
        CompletableFuture<Void> previous = metaTails.getOrDefault(filter, CompletableFuture.completedFuture(null));
        CompletableFuture<Void> next = previous.handle((v, e) -> null).thenCompose(v -> update.get());
        metaTails.put(filter, next);
        next.whenComplete((v, e) -> {
            synchronized (metaTails) {
                metaTails.remove(filter, next);
            }
        });
        return next;
    }

    /** Visits every local subscription whose filter matches {@code topicName}. */
    public void match(String topicName, BiConsumer<String, Subscription> visitor) {
        trie.match(topicName, visitor);
    }

    /** The local subscriptions on exactly {@code filter}. */
    public java.util.Set<Subscription> subscriptions(String filter) {
        return trie.values(filter);
    }

    /** Every filter with a subscription on this node. */
    public java.util.Set<String> filters() {
        return trie.filters();
    }

    public int filterCount() {
        return trie.filterCount();
    }
}
