package org.rmqtt.bench.env;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.rmqtt.bench.BenchException;

class ProcParsingTest {

    @Test
    void readsResidentMemoryFromStatus() {
        String status = "Name:\tmosquitto\nVmPeak:\t  20000 kB\nVmRSS:\t   11376 kB\nRssAnon:\t 3000 kB\n";

        assertThat(ProcStatus.parseVmRssBytes(status)).isEqualTo(11376L * 1024);
        assertThatThrownBy(() -> ProcStatus.parseVmRssBytes("Name:\tkthreadd\n")).hasMessageContaining("no VmRSS");
    }

    @Test
    void readsTheThreadCountFromStatus() {
        String status = "Name:\tjava\nVmRSS:\t 1000 kB\nThreads:\t276\nSigQ:\t0/91954\n";

        assertThat(ProcStatus.parseThreads(status)).isEqualTo(276);
        assertThatThrownBy(() -> ProcStatus.parseThreads("Name:\tx\n")).hasMessageContaining("no Threads");
    }

    @Test
    void readsCpuTimeEvenWhenTheCommandNameHasSpacesAndParentheses() {
        String stat = "4242 (java (main) x) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 30 0 100 0 0";

        assertThat(ProcStatus.parseCpuSeconds(stat)).isEqualTo(3.0);
    }

    @Test
    void machineBusyTimeLeavesOutIdleAndIoWait() {
        String stat = "cpu  100 20 30 5000 400 10 40 0 0 0\ncpu0 50 10 15 2500 200 5 20 0 0 0\n";

        assertThat(MachineCpu.parseBusySeconds(stat)).isEqualTo(2.0);
    }

    @Test
    void aMissingProcessFailsWithTheFix() {
        assertThatThrownBy(() -> ProcStatus.of(Integer.MAX_VALUE - 7))
            .isInstanceOf(BenchException.class)
            .hasMessageContaining("no process with pid")
            .satisfies(e -> assertThat(((BenchException) e).fix()).contains("--server-pid"));
    }

    @Test
    void measuresItsOwnProcess() {
        ProcStatus self = ProcStatus.of(ProcessHandle.current().pid());

        assertThat(self.rssBytes()).isGreaterThan(1 << 20);
        assertThat(self.cpuSeconds()).isGreaterThan(0);
        assertThat(self.isJava()).isTrue();
        assertThat(self.threads()).as("main, GC, compiler threads at least").isGreaterThan(3);
    }
}
