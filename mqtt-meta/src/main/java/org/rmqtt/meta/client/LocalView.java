package org.rmqtt.meta.client;

import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.rmqtt.common.topic.SubscriptionTrie;
import org.rmqtt.common.topic.Topics;
import org.rmqtt.meta.GatewayNode;
import org.rmqtt.meta.codec.ViewChange;

/**
 * A client's local copy of the mirrored meta state: live nodes and who holds which filter. One
 * writer (the follower thread) applies {@link ViewChange}s; readers take no lock.
 */
final class LocalView {

    /** The holder standing for "one or more persistent sessions"; never a node id (those are non-empty). */
    static final String SESSIONS = "";

    private final Map<String, GatewayNode> nodes = new ConcurrentHashMap<>();
    private final SubscriptionTrie<String> holders = new SubscriptionTrie<>();
    /**
     * The wildcard filters of {@link #holders} again: every message written asks which of them
     * match, and most deployments have few or none, so that walk should not see the exact ones.
     */
    private final SubscriptionTrie<String> wildcardHolders = new SubscriptionTrie<>();

    void apply(ViewChange change) {
        if (change instanceof ViewChange.NodeUp c) {
            nodes.put(c.node().id(), c.node());
        } else if (change instanceof ViewChange.NodeDown c) {
            nodes.remove(c.nodeId());
        } else if (change instanceof ViewChange.FilterHeld c) {
            String holder = c.nodeId() == null ? SESSIONS : c.nodeId();
            holders.add(c.filter(), holder);
            if (Topics.isWildcard(c.filter())) {
                wildcardHolders.add(c.filter(), holder);
            }
        } else if (change instanceof ViewChange.FilterReleased c) {
            String holder = c.nodeId() == null ? SESSIONS : c.nodeId();
            holders.remove(c.filter(), holder);
            if (Topics.isWildcard(c.filter())) {
                wildcardHolders.remove(c.filter(), holder);
            }
        }
    }

    void applyAll(List<ViewChange> changes) {
        changes.forEach(this::apply);
    }

    Optional<GatewayNode> node(String nodeId) {
        return Optional.ofNullable(nodes.get(nodeId));
    }

    Collection<GatewayNode> nodes() {
        return List.copyOf(nodes.values());
    }

    Set<String> matchingWildcardFilters(String topicName) {
        return wildcardHolders.filterCount() == 0 ? new HashSet<>() : wildcardHolders.matchingFilters(topicName);
    }

    Set<String> filters() {
        return holders.filters();
    }

    Set<String> nodesMatching(String topicName) {
        Set<String> result = new HashSet<>();
        holders.match(topicName, (filter, holder) -> {
            if (!holder.equals(SESSIONS)) {
                result.add(holder);
            }
        });
        return result;
    }
}
