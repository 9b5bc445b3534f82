package org.rmqtt.bench.env;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.rmqtt.bench.BenchException;

class PreflightTest {

    private static final String LIMITS = """
        Limit                     Soft Limit           Hard Limit           Units
        Max cpu time              unlimited            unlimited            seconds
        Max open files            1024                 524288               files
        Max locked memory         8388608              8388608              bytes
        """;

    @Test
    void readsTheOpenFilesLimits() {
        assertThat(Preflight.parseOpenFilesLimit(LIMITS)).containsExactly(1024L, 524288L);
        assertThat(Preflight.parseOpenFilesLimit("Max open files            unlimited            unlimited            files\n"))
            .containsExactly(Long.MAX_VALUE, Long.MAX_VALUE);
    }

    @Test
    void tooLowASoftLimitNamesTheNumbersAndUlimit() {
        assertThatThrownBy(() -> Preflight.checkFileDescriptors(100_000, 20_000, 1_048_576))
            .isInstanceOf(BenchException.class)
            .hasMessageContaining("100,000 connections need about 100,256 open files")
            .hasMessageContaining("may open only 20,000")
            .satisfies(e -> assertThat(((BenchException) e).fix()).contains("ulimit -n 100256"));
    }

    @Test
    void tooLowAHardLimitSaysToRaiseItFirst() {
        assertThatThrownBy(() -> Preflight.checkFileDescriptors(100_000, 20_000, 20_000))
            .isInstanceOf(BenchException.class)
            .satisfies(e -> assertThat(((BenchException) e).fix()).contains("raise the hard limit (20000)", "limits.conf"));
    }

    @Test
    void enoughFilesPasses() {
        assertThatCode(() -> Preflight.checkFileDescriptors(1000, 20_000, 20_000)).doesNotThrowAnyException();
        assertThatCode(() -> Preflight.checkFileDescriptors(1_000_000, Long.MAX_VALUE, Long.MAX_VALUE)).doesNotThrowAnyException();
    }

    @Test
    void spreadsOverLoopbackSourcesOnlyBeyondTheEphemeralRange() {
        assertThat(Preflight.parsePortRange("32768\t60999\n")).isEqualTo(28_232);
        assertThat(Preflight.sourcesNeeded(10_000, 28_232)).isEqualTo(1);
        assertThat(Preflight.sourcesNeeded(25_408, 28_232)).isEqualTo(1);
        assertThat(Preflight.sourcesNeeded(25_409, 28_232)).isEqualTo(2);
        assertThat(Preflight.sourcesNeeded(100_000, 28_232)).isEqualTo(4);
        assertThat(Preflight.loopbackSourcesNeeded("127.0.0.1", 1)).isEqualTo(1);
    }

    @Test
    void refusesToSpreadOverSourcesWhenTheServerIsNotOnLoopback() {
        assertThatThrownBy(() -> Preflight.loopbackSourcesNeeded("192.0.2.1", 10_000_000))
            .isInstanceOf(BenchException.class)
            .hasMessageContaining("ephemeral ports");
    }
}
