package org.rmqtt.gateway.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TokenBucketTest {
    private final AtomicLong clock = new AtomicLong(1_000);

    @Test
    void burstThenRate() {
        TokenBucket bucket = new TokenBucket(2, 3, clock::get);
        assertThat(bucket.tryTake()).isTrue();
        assertThat(bucket.tryTake()).isTrue();
        assertThat(bucket.tryTake()).isTrue();
        assertThat(bucket.tryTake()).as("burst used up").isFalse();
        clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(500));
        assertThat(bucket.tryTake()).as("one token after 1/rate").isTrue();
        assertThat(bucket.tryTake()).isFalse();
        clock.addAndGet(TimeUnit.SECONDS.toNanos(60));
        for (int i = 0; i < 3; i++) {
            assertThat(bucket.tryTake()).as("refilled up to the burst, not beyond").isTrue();
        }
        assertThat(bucket.tryTake()).isFalse();
    }

    @Test
    void takeGoesIntoDebtAndSaysHowLong() {
        TokenBucket bucket = new TokenBucket(10, 1, clock::get);
        assertThat(bucket.take()).isZero();
        assertThat(bucket.take()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(100));
        assertThat(bucket.take()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(200));
        clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(150));
        assertThat(bucket.owedNanos()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(50));
        clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(50));
        assertThat(bucket.owedNanos()).isZero();
        assertThat(bucket.tryTake()).as("the debt is paid, no token saved yet").isFalse();
    }
}
