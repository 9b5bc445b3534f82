package org.rmqtt.bench.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RateAndDurationTest {

    @Test
    void parsesRates() {
        assertThat(Rate.parse("max").isMax()).isTrue();
        assertThat(Rate.parse("MAX")).isEqualTo(Rate.MAX);
        assertThat(Rate.parse("1000").perSecond()).isEqualTo(1000);
        assertThat(Rate.parse(" 2.5 ").perSecond()).isEqualTo(2.5);
        assertThat(Rate.parse("1000")).hasToString("1000");
        assertThat(Rate.parse("2.5")).hasToString("2.5");
    }

    @Test
    void rejectsRatesThatCannotBeSent() {
        assertThatThrownBy(() -> Rate.parse("0")).hasMessageContaining("above 0");
        assertThatThrownBy(() -> Rate.parse("-3")).hasMessageContaining("above 0");
        assertThatThrownBy(() -> Rate.parse("NaN")).hasMessageContaining("above 0");
        assertThatThrownBy(() -> Rate.parse("fast")).hasMessageContaining("'fast' is not a rate");
        assertThatThrownBy(() -> Rate.parse("20000000")).hasMessageContaining("use --rate max");
    }

    @Test
    void parsesDurationsAsPeopleTypeThem() {
        assertThat(Durations.parse("15")).isEqualTo(Duration.ofSeconds(15));
        assertThat(Durations.parse("15s")).isEqualTo(Duration.ofSeconds(15));
        assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Durations.parse("1H")).isEqualTo(Duration.ofHours(1));
        assertThat(Durations.format(Duration.ofSeconds(15))).isEqualTo("15s");
        assertThat(Durations.format(Duration.ofMillis(250))).isEqualTo("250ms");
        assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1.5s");
    }

    @Test
    void rejectsDurationsItCannotRead() {
        assertThatThrownBy(() -> Durations.parse("1.5s")).hasMessageContaining("not a duration");
        assertThatThrownBy(() -> Durations.parse("-1s")).hasMessageContaining("not a duration");
        assertThatThrownBy(() -> Durations.parse("10 days")).hasMessageContaining("not a duration");
        assertThatThrownBy(() -> Durations.parse("99999999999999999999s")).hasMessageContaining("too long");
    }
}
