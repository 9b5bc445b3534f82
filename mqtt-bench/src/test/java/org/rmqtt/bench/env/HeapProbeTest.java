package org.rmqtt.bench.env;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HeapProbeTest {

    @Test
    void sumsHeapPoolsOfMicrometerStyleMetrics() {
        String metrics = """
            # HELP jvm_memory_used_bytes The amount of used memory
            # TYPE jvm_memory_used_bytes gauge
            jvm_memory_used_bytes{area="heap",id="G1 Eden Space"} 1.048576E7
            jvm_memory_used_bytes{area="heap",id="G1 Old Gen"} 2.097152E7
            jvm_memory_used_bytes{area="nonheap",id="Metaspace"} 9.0E7
            """;

        assertThat(HeapProbe.heapUsedFromPrometheus(metrics)).isEqualTo(31_457_280L);
    }

    @Test
    void readsTheOlderSimpleclientName() {
        String metrics = "jvm_memory_bytes_used{area=\"heap\",} 5000.0\njvm_memory_bytes_used{area=\"nonheap\",} 7000.0\n";

        assertThat(HeapProbe.heapUsedFromPrometheus(metrics)).isEqualTo(5000L);
    }

    @Test
    void saysSoWhenThereIsNoHeapGauge() {
        assertThat(HeapProbe.heapUsedFromPrometheus("mqtt_connections 12\n")).isEqualTo(-1);
    }

    @Test
    void readsJcmdHeapInfo() {
        String g1 = """
            12345:
             garbage-first heap   total 262144K, used 10240K [0x0000000700000000, 0x0000000800000000)
              region size 2048K, 3 young (6144K), 0 survivors (0K)
             Metaspace       used 30000K, committed 30500K, reserved 1114112K
            """;

        assertThat(HeapProbe.heapUsedFromJcmd(g1)).isEqualTo(10240L * 1024);
        assertThat(HeapProbe.heapUsedFromJcmd("12345:\nsomething else\n")).isEqualTo(-1);
    }
}
