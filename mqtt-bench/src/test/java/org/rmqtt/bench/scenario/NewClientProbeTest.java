package org.rmqtt.bench.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NewClientProbeTest {

    private static NewClientProbe.Attempt ok(long startedAfterMicros, long latencyMicros) {
        return new NewClientProbe.Attempt(startedAfterMicros, latencyMicros, null);
    }

    @Test
    void theSlowestConnackCountsAndFailuresAreNamed() {
        NewClientProbe.Result result = new NewClientProbe.Result(List.of(
            ok(2_000, 7_400_000),
            new NewClientProbe.Attempt(7_500_000, 10_000_000, "CONNACK refused the connection: CONNECTION_REFUSED_SERVER_UNAVAILABLE"),
            ok(17_600_000, 1_500)));

        assertThat(result.connected()).isEqualTo(2);
        assertThat(result.failed()).isEqualTo(1);
        assertThat(result.maxMicros()).isEqualTo(7_400_000);
        assertThat(result.summary())
            .contains("2 of 3 connected", "CONNACK in 7400.0 failed 1.5 ms (max 7400.0 ms)", "SERVER_UNAVAILABLE");
        Map<String, Object> json = result.toJson();
        assertThat(json).containsEntry("max_ms", 7400.0).containsEntry("failed", 1L);
        assertThat(json.get("latencies_ms")).isEqualTo(Arrays.asList(7400.0, null, 1.5));
        assertThat(json.get("started_after_close_ms")).isEqualTo(List.of(2.0, 7500.0, 17600.0));
    }

    @Test
    void noConnackAtAllHasNoMaximum() {
        NewClientProbe.Result result = new NewClientProbe.Result(List.of(
            new NewClientProbe.Attempt(0, 5_000_000, "no CONNACK within 5000 ms")));

        assertThat(result.maxMicros()).isEqualTo(-1);
        assertThat(result.toJson()).containsEntry("max_ms", null).containsEntry("first_error", "no CONNACK within 5000 ms");
        assertThat(result.summary()).doesNotContain("max");
    }
}
