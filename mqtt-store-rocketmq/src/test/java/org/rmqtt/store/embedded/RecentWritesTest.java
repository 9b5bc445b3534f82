package org.rmqtt.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.rmqtt.store.PublishRequest;
import org.rmqtt.store.PullBatch;
import org.rmqtt.store.StoredMessage;

class RecentWritesTest {
    private static PublishRequest request(String topic, int qos, String payload) {
        return new PublishRequest(topic, qos, false, payload.getBytes(), "c", Set.of());
    }

    @Test
    void servesConsecutiveOffsetsOfEachLmqUpToMaxAndStopsAtAGap() {
        RecentWrites recent = new RecentWrites(1 << 20, Duration.ofMinutes(1));
        recent.appended(request("a/b", 1, "m0"), "%LMQ%a%b,%LMQ%a%|2B", "7,3");
        recent.appended(request("a/b", 0, "m1"), "%LMQ%a%b,%LMQ%a%|2B", "8,4");
        recent.appended(request("a/b", 2, "m3"), "%LMQ%a%b", "10");

        PullBatch exact = recent.read("%LMQ%a%b", 7, 32);
        assertThat(exact.status()).isEqualTo(PullBatch.Status.FOUND);
        assertThat(exact.messages()).extracting(StoredMessage::offset).containsExactly(7L, 8L);
        assertThat(exact.messages()).extracting(StoredMessage::qos).containsExactly(1, 0);
        assertThat(exact.nextOffset()).isEqualTo(9L);
        assertThat(recent.read("%LMQ%a%|2B", 3, 1).messages()).extracting(StoredMessage::offset).containsExactly(3L);
        assertThat(recent.read("%LMQ%a%|2B", 3, 1).nextOffset()).isEqualTo(4L);
        assertThat(recent.read("%LMQ%a%b", 10, 32).messages()).extracting(m -> new String(m.payload())).containsExactly("m3");
    }

    @Test
    void anOffsetNotWrittenHereIsAMiss() {
        RecentWrites recent = new RecentWrites(1 << 20, Duration.ofMinutes(1));
        recent.appended(request("a/b", 1, "m0"), "%LMQ%a%b", "5");
        assertThat(recent.read("%LMQ%a%b", 4, 32)).isNull();
        assertThat(recent.read("%LMQ%a%b", 6, 32)).isNull();
        assertThat(recent.read("%LMQ%x", 5, 32)).isNull();
    }

    @Test
    void queuesWithoutAnOffsetAndMissingListsAreSkipped() {
        RecentWrites recent = new RecentWrites(1 << 20, Duration.ofMinutes(1));
        recent.appended(request("a/b", 1, "m0"), "plain,%LMQ%a%b", "null,2");
        recent.appended(request("a/c", 1, "m1"), null, "1");
        recent.appended(request("a/c", 1, "m1"), "%LMQ%a%c", null);
        assertThat(recent.read("%LMQ%a%b", 2, 32).messages()).hasSize(1);
        assertThat(recent.read("plain", 0, 32)).isNull();
        assertThat(recent.read("%LMQ%a%c", 1, 32)).isNull();
        assertThat(recent.size()).isEqualTo(1);
    }

    @Test
    void keepsNoMoreThanItsByteBound() {
        RecentWrites recent = new RecentWrites(64 * 1024, Duration.ofMinutes(1));
        String payload = "x".repeat(1024);
        for (int i = 0; i < 1000; i++) {
            recent.appended(request("a/b", 1, payload), "%LMQ%a%b", Integer.toString(i));
        }
        assertThat(recent.size()).isLessThan(64);
        assertThat(recent.read("%LMQ%a%b", 999, 1)).isNotNull();
    }

    @Test
    void dropsEntriesOlderThanItsAgeAtTheNextAppend() {
        AtomicLong now = new AtomicLong();
        RecentWrites recent = new RecentWrites(1 << 20, Duration.ofSeconds(1), now::get);
        recent.appended(request("a/b", 1, "old"), "%LMQ%a%b", "0");
        now.addAndGet(Duration.ofMillis(999).toNanos());
        recent.appended(request("a/b", 1, "new"), "%LMQ%a%b", "1");
        assertThat(recent.read("%LMQ%a%b", 0, 32).messages()).hasSize(2);

        now.addAndGet(Duration.ofMillis(2).toNanos());
        recent.appended(request("a/c", 1, "other"), "%LMQ%a%c", "0");
        assertThat(recent.read("%LMQ%a%b", 0, 32)).isNull();
        assertThat(recent.read("%LMQ%a%b", 1, 32).messages()).extracting(m -> new String(m.payload())).containsExactly("new");

        now.addAndGet(Duration.ofSeconds(2).toNanos());
        recent.appended(request("a/c", 1, "latest"), "%LMQ%a%c", "1");
        assertThat(recent.read("%LMQ%a%b", 1, 32)).isNull();
        assertThat(recent.size()).isEqualTo(1);
    }

    @Test
    void aReaderBehindByManyMessagesStillFindsThemAndTheBatchStaysInOrder() {
        RecentWrites recent = new RecentWrites(64L << 20, Duration.ofMinutes(1));
        for (int i = 0; i < 3000; i++) {
            recent.appended(request("a/b", 1, "m" + i), "%LMQ%a%b,%LMQ%f", i + "," + (100 + i));
        }
        PullBatch batch = recent.read("%LMQ%a%b", 5, 2000);
        assertThat(batch.messages()).hasSize(2000);
        assertThat(batch.messages()).extracting(StoredMessage::offset).isSorted().startsWith(5L, 6L).endsWith(2004L);
        assertThat(batch.nextOffset()).isEqualTo(2005L);
        assertThat(new String(recent.read("%LMQ%f", 3099, 32).messages().get(0).payload())).isEqualTo("m2999");
    }

    @Test
    void anLmqFurtherBehindThanItsRingReadsTheStoreAndNothingIsServedWrong() {
        RecentWrites recent = new RecentWrites(64L << 20, Duration.ofMinutes(1));
        for (int i = 0; i < 10_000; i++) {
            recent.appended(request("a/b", 1, "m" + i), "%LMQ%a%b", Integer.toString(i));
        }
        assertThat(recent.read("%LMQ%a%b", 0, 32)).isNull();
        PullBatch tail = recent.read("%LMQ%a%b", 9990, 32);
        assertThat(tail.messages()).extracting(m -> new String(m.payload())).startsWith("m9990").hasSize(10);
        for (long offset = 0; offset < 10_000; offset += 97) {
            PullBatch one = recent.read("%LMQ%a%b", offset, 1);
            if (one != null) {
                assertThat(new String(one.messages().get(0).payload())).isEqualTo("m" + offset);
            }
        }
    }
}
