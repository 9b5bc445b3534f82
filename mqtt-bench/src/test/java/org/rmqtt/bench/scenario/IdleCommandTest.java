package org.rmqtt.bench.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rmqtt.bench.BenchMain;

class IdleCommandTest {

    @Test
    void samplesTheServersCoresAndThreadsAndWritesThemToJson(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("idle.json");
        long self = ProcessHandle.current().pid();

        int exit = BenchMain.commandLine().execute("idle", "--server-pid", Long.toString(self), "--duration", "1s",
            "--label", "me", "--json", json.toString());

        assertThat(exit).isZero();
        String text = Files.readString(json);
        assertThat(text).contains("\"scenario\": \"idle\"", "\"label\": \"me\"", "\"server_cpu_cores\"",
            "\"server_threads\"", "\"server_threads_max\"", "\"server_rss_bytes\"");
    }

    @Test
    void otherCoresAreWhatTheMachineUsedBesidesServerAndBenchmark() {
        IdleCommand.IdleResult result = new IdleCommand.IdleResult(30, 0.25, 270, 276, 276, 100 << 20, 0.01, 0.5);

        assertThat(result.otherCores()).isCloseTo(0.24, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(result.summary()).contains("cpu 0.250 cores", "threads 276 (min 270, max 276)");
        assertThat(result.toJson(1L, null, java.time.Duration.ofSeconds(30))).containsEntry("server_threads", 276)
            .containsEntry("server_cpu_cores", 0.25);
    }
}
