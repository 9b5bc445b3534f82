package org.rmqtt.bench.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LatencyStatsTest {

    @Test
    void windowHoldsOnlyMeasuredSamplesWhileTheIntervalSeesAll() {
        LatencyStats stats = new LatencyStats();
        stats.record(TimeUnit.MILLISECONDS.toNanos(500), false); // warm-up
        for (int i = 1; i <= 100; i++) {
            stats.record(TimeUnit.MILLISECONDS.toNanos(i), true);
        }

        LatencySummary interval = stats.takeInterval();
        LatencySummary window = stats.windowSummary();

        assertThat(interval.count()).isEqualTo(101);
        assertThat(window.count()).isEqualTo(100);
        assertThat(window.p50()).isBetween(49_900L, 50_100L);
        assertThat(window.p99()).isBetween(98_900L, 99_100L);
        assertThat(window.max()).isBetween(99_900L, 100_100L);
        assertThat(stats.takeInterval().count()).as("interval restarts after each take").isZero();
        assertThat(stats.windowSummary().count()).as("window accumulates").isEqualTo(100);
    }

    @Test
    void clampsNegativeAndAbsurdLatencies() {
        LatencyStats stats = new LatencyStats();
        stats.record(-5, true);
        stats.record(TimeUnit.DAYS.toNanos(2), true);

        LatencySummary window = stats.windowSummary();
        assertThat(window.count()).isEqualTo(2);
        assertThat(window.max()).isBetween(TimeUnit.HOURS.toMicros(1) - TimeUnit.SECONDS.toMicros(5), TimeUnit.HOURS.toMicros(1) + TimeUnit.SECONDS.toMicros(5));
    }

    @Test
    void emptySummaryDescribesItself() {
        assertThat(new LatencyStats().windowSummary()).isEqualTo(LatencySummary.EMPTY);
        assertThat(LatencySummary.EMPTY.describe()).isEqualTo("no samples");
    }
}
