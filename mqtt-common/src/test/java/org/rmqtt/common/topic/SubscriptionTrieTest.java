package org.rmqtt.common.topic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class SubscriptionTrieTest {

    private final SubscriptionTrie<String> trie = new SubscriptionTrie<>();

    @Test
    void addReportsWhetherTheFilterIsNewlyInUse() {
        assertThat(trie.add("a/b", "s1")).isTrue();
        assertThat(trie.add("a/b", "s2")).isFalse();
        assertThat(trie.add("a/b", "s1")).isFalse();
        assertThat(trie.add("a/+", "s1")).isTrue();
        assertThat(trie.values("a/b")).containsExactlyInAnyOrder("s1", "s2");
        assertThat(trie.filterCount()).isEqualTo(2);
    }

    @Test
    void removeReportsWhetherTheFilterIsNoLongerInUse() {
        trie.add("a/b", "s1");
        trie.add("a/b", "s2");
        assertThat(trie.remove("a/b", "s1")).isFalse();
        assertThat(trie.remove("a/b", "s1")).isFalse();
        assertThat(trie.remove("a/b", "unknown")).isFalse();
        assertThat(trie.remove("x/y", "s2")).isFalse();
        assertThat(trie.remove("a", "s2")).isFalse();
        assertThat(trie.remove("a/b", "s2")).isTrue();
        assertThat(trie.remove("a/b", "s2")).isFalse();
        assertThat(trie.values("a/b")).isEmpty();
        assertThat(trie.filterCount()).isZero();
        assertThat(trie.filters()).isEmpty();
    }

    @Test
    void removePrunesEmptyNodesButKeepsSharedPrefixes() {
        trie.add("a/b/c/d", "s1");
        trie.add("a/b", "s2");
        trie.add("a/x", "s3");
        assertThat(trie.nodeCount()).isEqualTo(5);

        trie.remove("a/b/c/d", "s1");
        assertThat(trie.nodeCount()).isEqualTo(3);
        assertThat(trie.values("a/b")).containsExactly("s2");

        trie.remove("a/b", "s2");
        trie.remove("a/x", "s3");
        assertThat(trie.nodeCount()).isZero();
    }

    @Test
    void churnDoesNotGrowTheTrie() {
        for (int i = 0; i < 1000; i++) {
            String filter = "devices/" + i + "/+/state/#";
            trie.add(filter, "client-" + i);
            trie.remove(filter, "client-" + i);
        }
        assertThat(trie.nodeCount()).isZero();
        assertThat(trie.filterCount()).isZero();
    }

    @Test
    void interiorNodeWithValuesSurvivesPruningOfItsChildren() {
        trie.add("a", "s1");
        trie.add("a/b", "s2");
        trie.remove("a/b", "s2");
        assertThat(trie.nodeCount()).isEqualTo(1);
        assertThat(trie.matchingFilters("a")).containsExactly("a");
    }

    @Test
    void valuesIsAnExactLookup() {
        trie.add("a/+", "s1");
        assertThat(trie.values("a/+")).containsExactly("s1");
        assertThat(trie.values("a/b")).isEmpty();
        assertThat(trie.values("a")).isEmpty();
        assertThat(trie.values("a/+/c")).isEmpty();
    }

    @Test
    void overlappingFiltersAreAllVisitedOnce() {
        trie.add("sport/tennis/player1", "exact");
        trie.add("sport/tennis/+", "plus");
        trie.add("sport/#", "hash");
        trie.add("#", "all");
        trie.add("+/+/player1", "plus2");
        trie.add("+/+/player1", "plus2b");
        trie.add("sport/tennis/player1/#", "parent");
        trie.add("sport/football/+", "other");

        List<String> visits = new ArrayList<>();
        trie.match("sport/tennis/player1", (filter, value) -> visits.add(filter + "=" + value));

        assertThat(visits).containsExactlyInAnyOrder(
                "sport/tennis/player1=exact",
                "sport/tennis/+=plus",
                "sport/#=hash",
                "#=all",
                "+/+/player1=plus2",
                "+/+/player1=plus2b",
                "sport/tennis/player1/#=parent");
        assertThat(trie.matchingFilters("sport/tennis/player1")).containsExactlyInAnyOrder(
                "sport/tennis/player1", "sport/tennis/+", "sport/#", "#", "+/+/player1", "sport/tennis/player1/#");
    }

    @Test
    void hashMatchesItsParentLevelAndEmptyLevels() {
        trie.add("sport/#", "s");
        trie.add("sport/+", "p");
        assertThat(trie.matchingFilters("sport")).containsExactly("sport/#");
        assertThat(trie.matchingFilters("sport/")).containsExactlyInAnyOrder("sport/#", "sport/+");
        assertThat(trie.matchingFilters("sports")).isEmpty();
    }

    @Test
    void emptyLevelsAreLevels() {
        trie.add("+", "one");
        trie.add("+/+", "two");
        trie.add("/+", "slash");
        assertThat(trie.matchingFilters("/finance")).containsExactlyInAnyOrder("+/+", "/+");
        assertThat(trie.matchingFilters("finance")).containsExactly("+");
    }

    @Test
    void leadingWildcardsDoNotMatchDollarTopics() {
        trie.add("#", "all");
        trie.add("+/monitor/Clients", "plus");
        trie.add("$SYS/#", "sys");
        trie.add("$SYS/monitor/+", "sysPlus");
        assertThat(trie.matchingFilters("$SYS/monitor/Clients"))
                .containsExactlyInAnyOrder("$SYS/#", "$SYS/monitor/+");
        assertThat(trie.matchingFilters("$SYS")).containsExactly("$SYS/#");
        assertThat(trie.matchingFilters("SYS/monitor/Clients")).containsExactlyInAnyOrder("#", "+/monitor/Clients");
    }

    @Test
    void wildcardCharactersInATopicNameAreNotDoubleCounted() {
        // Topic names with wildcards are invalid; the trie must still agree with Topics.matches.
        trie.add("a/+", "plus");
        trie.add("a/b", "exact");
        assertThat(trie.matchingFilters("a/+")).containsExactly("a/+");
        List<String> visits = new ArrayList<>();
        trie.match("a/+", (filter, value) -> visits.add(value));
        assertThat(visits).containsExactly("plus");
    }

    @Test
    void manySubscribersOfOneFilterGrowAndShrink() {
        for (int i = 0; i < 100; i++) {
            assertThat(trie.add("news/#", "c" + i)).isEqualTo(i == 0);
        }
        assertThat(trie.values("news/#")).hasSize(100);
        List<String> visits = new ArrayList<>();
        trie.match("news/today", (filter, value) -> visits.add(value));
        assertThat(visits).hasSize(100).doesNotHaveDuplicates();

        for (int i = 0; i < 99; i++) {
            assertThat(trie.remove("news/#", "c" + i)).isFalse();
        }
        assertThat(trie.values("news/#")).containsExactly("c99");
        assertThat(trie.add("news/#", "c99")).isFalse();
        assertThat(trie.remove("news/#", "c99")).isTrue();
        assertThat(trie.nodeCount()).isZero();
    }

    @Test
    void deepTopicsDoNotOverflowTheStack() {
        String deep = "a/".repeat(20_000) + "a";
        trie.add(deep, "deep");
        trie.add("a/#", "hash");
        assertThat(trie.matchingFilters(deep)).containsExactlyInAnyOrder(deep, "a/#");
        assertThat(trie.remove(deep, "deep")).isTrue();
        assertThat(trie.nodeCount()).isEqualTo(2);
    }

    @Test
    void agreesWithTopicsMatchesOnGeneratedFiltersAndTopics() {
        String[] topicLevels = {"", "a", "b", "$s", "long-level"};
        String[] filterLevels = {"", "a", "b", "$s", "+", "+", "#"};
        Random random = new Random(7);
        Set<String> filters = new HashSet<>();
        while (filters.size() < 300) {
            String filter = TopicsTest.randomPath(random, filterLevels);
            try {
                Topics.validateFilter(filter);
                filters.add(filter);
            } catch (InvalidTopicException e) {
                // '#' drawn in the middle: not a filter
            }
        }
        filters.forEach(filter -> trie.add(filter, "v:" + filter));
        assertThat(trie.filters()).isEqualTo(filters);
        assertThat(trie.filterCount()).isEqualTo(filters.size());

        for (int n = 0; n < 2000; n++) {
            String topic = TopicsTest.randomPath(random, topicLevels);
            Set<String> expected = new HashSet<>();
            filters.stream().filter(filter -> Topics.matches(filter, topic)).forEach(expected::add);
            List<String> visited = new ArrayList<>();
            trie.match(topic, (filter, value) -> {
                assertThat(value).isEqualTo("v:" + filter);
                visited.add(filter);
            });
            assertThat(visited).as("topic %s", topic).doesNotHaveDuplicates();
            assertThat(new HashSet<>(visited)).as("topic %s", topic).isEqualTo(expected);
            assertThat(trie.matchingFilters(topic)).isEqualTo(expected);
        }
    }

    @Test
    void concurrentUpdatesAndMatchesEndInTheExpectedState() throws Exception {
        String[] filters = {
            "a/b/c", "a/+/c", "a/#", "#", "+/b/+", "a/b", "$SYS/#", "+", "a/b/c/d", "x/#", "/+", "a/+/+/d"};
        String[] topics = {"a/b/c", "a/b", "a", "$SYS/x", "a/b/c/d", "x", "/q", "b/b/b"};
        int writers = 4;
        int rounds = 3000;
        ExecutorService pool = Executors.newFixedThreadPool(writers + 2);
        try {
            CountDownLatch start = new CountDownLatch(1);
            AtomicBoolean writing = new AtomicBoolean(true);
            ConcurrentLinkedQueue<String> wrongMatches = new ConcurrentLinkedQueue<>();
            List<Future<Map<String, Set<String>>>> writerResults = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                writerResults.add(pool.submit(() -> {
                    // Each writer owns its values, so its own model is the truth for them.
                    Map<String, Set<String>> model = new HashMap<>();
                    Random random = new Random(writer);
                    start.await();
                    for (int i = 0; i < rounds; i++) {
                        String filter = filters[random.nextInt(filters.length)];
                        String value = "w" + writer + "-" + random.nextInt(5);
                        if (random.nextBoolean()) {
                            trie.add(filter, value);
                            model.computeIfAbsent(filter, f -> new HashSet<>()).add(value);
                        } else {
                            trie.remove(filter, value);
                            Set<String> values = model.get(filter);
                            if (values != null) {
                                values.remove(value);
                            }
                        }
                    }
                    return model;
                }));
            }
            List<Future<?>> readers = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                readers.add(pool.submit(() -> {
                    start.await();
                    int i = 0;
                    while (writing.get()) {
                        String topic = topics[i++ % topics.length];
                        trie.match(topic, (filter, value) -> {
                            if (!Topics.matches(filter, topic)) {
                                wrongMatches.add(filter + " for " + topic);
                            }
                        });
                        trie.filters();
                        trie.values("a/#");
                    }
                    return null;
                }));
            }
            start.countDown();
            Map<String, Set<String>> expected = new HashMap<>();
            for (Future<Map<String, Set<String>>> result : writerResults) {
                result.get().forEach((filter, values) ->
                        expected.computeIfAbsent(filter, f -> new HashSet<>()).addAll(values));
            }
            writing.set(false);
            for (Future<?> reader : readers) {
                assertThatCode(reader::get).doesNotThrowAnyException();
            }
            assertThat(wrongMatches).isEmpty();

            expected.values().removeIf(Set::isEmpty);
            assertThat(trie.filters()).isEqualTo(expected.keySet());
            assertThat(trie.filterCount()).isEqualTo(expected.size());
            for (String filter : filters) {
                assertThat(trie.values(filter)).isEqualTo(expected.getOrDefault(filter, Set.of()));
            }
            for (String topic : topics) {
                Set<String> matching = new HashSet<>(expected.keySet());
                matching.removeIf(filter -> !Topics.matches(filter, topic));
                assertThat(trie.matchingFilters(topic)).as("topic %s", topic).isEqualTo(matching);
            }

            expected.forEach((filter, values) -> values.forEach(value -> trie.remove(filter, value)));
            assertThat(trie.nodeCount()).isZero();
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(10, TimeUnit.SECONDS);
        }
    }
}
