package org.rmqtt.common.topic;

import com.google.common.annotations.VisibleForTesting;
import com.google.common.collect.ImmutableSet;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * A thread-safe trie from MQTT topic filters to sets of values (subscribers, node ids, ...), one
 * trie level per topic level, with {@code +} and {@code #} stored as ordinary children.
 *
 * <p>Reads ({@link #match}, {@link #values}, {@link #filters}) take no lock: children live in
 * {@link ConcurrentHashMap}s and value sets are published through volatile fields, so a reader sees
 * each filter's values either before or after any one update. Updates are serialized by one lock;
 * they are short (one walk down the filter) and much rarer than matches. A match that runs while
 * an update happens may or may not see that update.
 *
 * <p>Filters are assumed valid ({@link Topics#validateFilter}); values need proper
 * {@code equals}/{@code hashCode}.
 *
 * @param <V> the value type
 */
public final class SubscriptionTrie<V> {

    /**
     * Up to this many values per filter are kept in an immutable set replaced on every change, which
     * is compact and gives readers a snapshot. Beyond it (a filter shared by thousands of sessions)
     * copying on each add would be quadratic, so the node switches to a concurrent set changed in
     * place.
     */
    private static final int COPY_ON_WRITE_MAX = 16;

    private final Node<V> root = new Node<>("");
    private final Object updateLock = new Object();
    private volatile int filterCount;

    /**
     * Adds {@code value} under {@code filter}.
     *
     * @return true if {@code filter} had no values before, i.e. the filter is newly in use
     */
    public boolean add(String filter, V value) {
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(value, "value");
        synchronized (updateLock) {
            Node<V> node = root;
            int start = 0;
            while (true) {
                int end = levelEnd(filter, start);
                node = node.childForUpdate(filter.substring(start, end), filter, end);
                if (end == filter.length()) {
                    break;
                }
                start = end + 1;
            }
            boolean wasEmpty = node.values.isEmpty();
            if (!node.addValue(value)) {
                return false;
            }
            if (wasEmpty) {
                filterCount++;
            }
            return wasEmpty;
        }
    }

    /**
     * Removes {@code value} from {@code filter} and prunes the nodes left without values or children,
     * so that churn of subscriptions does not grow the trie.
     *
     * @return true if this call removed the last value of {@code filter}, i.e. the filter is no
     *     longer in use; false if values remain or {@code value} was not there
     */
    public boolean remove(String filter, V value) {
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(value, "value");
        synchronized (updateLock) {
            int levels = levelCount(filter);
            // path[i] is the node of level i; keys[i] its key in path[i - 1] (or the root).
            @SuppressWarnings("unchecked")
            Node<V>[] path = new Node[levels];
            String[] keys = new String[levels];
            Node<V> node = root;
            int start = 0;
            for (int i = 0; i < levels; i++) {
                int end = levelEnd(filter, start);
                String key = filter.substring(start, end);
                node = node.child(key);
                if (node == null) {
                    return false;
                }
                path[i] = node;
                keys[i] = key;
                start = end + 1;
            }
            if (!node.removeValue(value) || !node.values.isEmpty()) {
                return false;
            }
            filterCount--;
            for (int i = levels - 1; i >= 0 && path[i].isPrunable(); i--) {
                (i == 0 ? root : path[i - 1]).removeChild(keys[i]);
            }
            return true;
        }
    }

    /** The values stored under exactly {@code filter} (no wildcard matching); empty if none. */
    public Set<V> values(String filter) {
        Node<V> node = root;
        int start = 0;
        while (node != null) {
            int end = levelEnd(filter, start);
            node = node.child(filter.substring(start, end));
            if (end == filter.length()) {
                break;
            }
            start = end + 1;
        }
        if (node == null) {
            return ImmutableSet.of();
        }
        Set<V> values = node.values;
        return values instanceof ImmutableSet ? values : ImmutableSet.copyOf(values);
    }

    /**
     * Calls {@code visitor} with (filter, value) once for every value of every filter that matches
     * {@code topicName} by the rules of {@link Topics#matches}, including that a filter starting with
     * a wildcard does not match a topic name starting with {@code $}.
     */
    public void match(String topicName, BiConsumer<String, V> visitor) {
        Objects.requireNonNull(visitor, "visitor");
        matchNodes(topicName, node -> {
            for (V value : node.values) {
                visitor.accept(node.filter, value);
            }
        });
    }

    /** The filters in use that match {@code topicName}. */
    public Set<String> matchingFilters(String topicName) {
        Set<String> result = new HashSet<>();
        matchNodes(topicName, node -> result.add(node.filter));
        return result;
    }

    /** Every filter that has at least one value, as a snapshot. */
    public Set<String> filters() {
        Set<String> result = new HashSet<>();
        ArrayDeque<Node<V>> pending = new ArrayDeque<>();
        pending.push(root);
        while (!pending.isEmpty()) {
            Node<V> node = pending.pop();
            if (!node.values.isEmpty()) {
                result.add(node.filter);
            }
            ConcurrentHashMap<String, Node<V>> children = node.children;
            if (children != null) {
                children.values().forEach(pending::push);
            }
        }
        return result;
    }

    /** The number of filters that have at least one value. */
    public int filterCount() {
        return filterCount;
    }

    /** The number of trie nodes below the root, to check that removals prune. */
    @VisibleForTesting
    int nodeCount() {
        int count = 0;
        ArrayDeque<Node<V>> pending = new ArrayDeque<>();
        pending.push(root);
        while (!pending.isEmpty()) {
            ConcurrentHashMap<String, Node<V>> children = pending.pop().children;
            if (children != null) {
                count += children.size();
                children.values().forEach(pending::push);
            }
        }
        return count;
    }

    /**
     * Emits each node whose filter matches {@code topicName} and that has values. An explicit stack
     * instead of recursion, because a topic may have thousands of (empty) levels.
     */
    private void matchNodes(String topicName, Consumer<Node<V>> sink) {
        String[] levels = splitLevels(topicName);
        boolean dollarTopic = !topicName.isEmpty() && topicName.charAt(0) == '$';
        @SuppressWarnings("unchecked")
        Node<V>[] nodes = new Node[8];
        int[] depths = new int[8];
        int size = 0;
        nodes[size] = root;
        depths[size++] = 0;
        while (size > 0) {
            Node<V> node = nodes[--size];
            int depth = depths[size];
            nodes[size] = null;
            ConcurrentHashMap<String, Node<V>> children = node.children;
            if (depth == levels.length) {
                emit(node, sink);
                // "sport/#" matches "sport": '#' also matches its parent level.
                if (children != null) {
                    emit(children.get("#"), sink);
                }
                continue;
            }
            if (children == null) {
                continue;
            }
            Node<V> plus = null;
            if (depth > 0 || !dollarTopic) {
                emit(children.get("#"), sink);
                plus = children.get("+");
            }
            String level = levels[depth];
            // A (malformed) topic level "+" or "#" must not reach the wildcard nodes a second time.
            Node<V> literal = isWildcardLevel(level) ? null : children.get(level);
            if (size + 2 > nodes.length) {
                nodes = Arrays.copyOf(nodes, nodes.length * 2);
                depths = Arrays.copyOf(depths, depths.length * 2);
            }
            if (plus != null) {
                nodes[size] = plus;
                depths[size++] = depth + 1;
            }
            if (literal != null) {
                nodes[size] = literal;
                depths[size++] = depth + 1;
            }
        }
    }

    private static <V> void emit(Node<V> node, Consumer<Node<V>> sink) {
        if (node != null && !node.values.isEmpty()) {
            sink.accept(node);
        }
    }

    private static boolean isWildcardLevel(String level) {
        return level.length() == 1 && (level.charAt(0) == '+' || level.charAt(0) == '#');
    }

    private static String[] splitLevels(String topic) {
        // Not String.split: it drops trailing empty levels and "a/" has two levels.
        String[] levels = new String[levelCount(topic)];
        int start = 0;
        for (int i = 0; i < levels.length; i++) {
            int end = levelEnd(topic, start);
            levels[i] = topic.substring(start, end);
            start = end + 1;
        }
        return levels;
    }

    private static int levelCount(String topic) {
        int count = 1;
        for (int i = topic.indexOf('/'); i >= 0; i = topic.indexOf('/', i + 1)) {
            count++;
        }
        return count;
    }

    private static int levelEnd(String s, int from) {
        int slash = s.indexOf('/', from);
        return slash < 0 ? s.length() : slash;
    }

    private static final class Node<V> {

        /** The filter this node stands for: the levels from the root down to it. */
        final String filter;
        /** Created on the first child and dropped when the last one goes: most nodes are leaves. */
        volatile ConcurrentHashMap<String, Node<V>> children;
        /** An {@link ImmutableSet}, or a concurrent set once it outgrows {@link #COPY_ON_WRITE_MAX}. */
        volatile Set<V> values = ImmutableSet.of();

        Node(String filter) {
            this.filter = filter;
        }

        Node<V> child(String key) {
            ConcurrentHashMap<String, Node<V>> map = children;
            return map == null ? null : map.get(key);
        }

        /** Under the update lock. {@code filter.substring(0, end)} is the new child's own filter. */
        Node<V> childForUpdate(String key, String filter, int end) {
            ConcurrentHashMap<String, Node<V>> map = children;
            if (map == null) {
                map = new ConcurrentHashMap<>(4);
                children = map;
            }
            Node<V> child = map.get(key);
            if (child == null) {
                child = new Node<>(filter.substring(0, end));
                map.put(key, child);
            }
            return child;
        }

        /** Under the update lock. */
        void removeChild(String key) {
            ConcurrentHashMap<String, Node<V>> map = children;
            if (map != null) {
                map.remove(key);
                if (map.isEmpty()) {
                    children = null;
                }
            }
        }

        boolean isPrunable() {
            ConcurrentHashMap<String, Node<V>> map = children;
            return values.isEmpty() && (map == null || map.isEmpty());
        }

        /** Under the update lock; false if already present. */
        boolean addValue(V value) {
            Set<V> current = values;
            if (!(current instanceof ImmutableSet)) {
                return current.add(value);
            }
            if (current.contains(value)) {
                return false;
            }
            if (current.size() < COPY_ON_WRITE_MAX) {
                values = ImmutableSet.<V>builderWithExpectedSize(current.size() + 1)
                        .addAll(current).add(value).build();
            } else {
                Set<V> grown = ConcurrentHashMap.newKeySet(current.size() * 2);
                grown.addAll(current);
                grown.add(value);
                values = grown;
            }
            return true;
        }

        /** Under the update lock; false if absent. */
        boolean removeValue(V value) {
            Set<V> current = values;
            if (!(current instanceof ImmutableSet)) {
                if (!current.remove(value)) {
                    return false;
                }
                // Shrink back with hysteresis, so a filter hovering at the limit does not flip-flop.
                if (current.size() <= COPY_ON_WRITE_MAX / 2) {
                    values = ImmutableSet.copyOf(current);
                }
                return true;
            }
            if (!current.contains(value)) {
                return false;
            }
            ImmutableSet.Builder<V> rest = ImmutableSet.builderWithExpectedSize(current.size() - 1);
            for (V v : current) {
                if (!v.equals(value)) {
                    rest.add(v);
                }
            }
            values = rest.build();
            return true;
        }
    }
}
