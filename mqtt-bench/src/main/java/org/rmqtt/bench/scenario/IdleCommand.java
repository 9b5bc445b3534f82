package org.rmqtt.bench.scenario;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.rmqtt.bench.cli.DurationConverter;
import org.rmqtt.bench.cli.Durations;
import org.rmqtt.bench.cli.Validate;
import org.rmqtt.bench.env.MachineCpu;
import org.rmqtt.bench.env.ProcStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * What a server costs with no client at all: its cores over a window, its threads (sampled every
 * second, so a pool that grows and shrinks shows) and its resident memory. Opens no connection.
 */
@Command(name = "idle", mixinStandardHelpOptions = true,
    description = "Sample an idle server's CPU, threads and RSS from /proc over a window; no clients.")
public final class IdleCommand implements Callable<Integer> {

    private static final long SAMPLE_MILLIS = 1000;

    @Option(names = "--server-pid", required = true, description = "Server process to sample.")
    long serverPid;

    @Option(names = "--duration", defaultValue = "30s", converter = DurationConverter.class,
        description = "How long to sample (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--json", description = "Also write the result as JSON to this file.")
    Path json;

    @Option(names = "--label", description = "Free text stored in the JSON, e.g. the server's name.")
    String label;

    @Spec
    CommandSpec spec;

    /** Cores, thread counts and memory of one idle window. */
    record IdleResult(double windowSeconds, double serverCores, int threadsMin, int threadsMax, int threadsEnd,
                      long rssBytes, double benchCores, double machineCores) {

        double otherCores() {
            return Math.max(0, machineCores - benchCores - serverCores);
        }

        String summary() {
            return String.format("== idle: no clients for %.1f s ==%n"
                    + "server       cpu %.3f cores  threads %d (min %d, max %d)  rss %.1f MB%n"
                    + "machine      mqtt-bench %.3f cores, other processes about %.2f cores%n",
                windowSeconds, serverCores, threadsEnd, threadsMin, threadsMax, rssBytes / 1048576.0,
                benchCores, otherCores());
        }

        Map<String, Object> toJson(Long pid, String label, Duration duration) {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("scenario", "idle");
            Map<String, Object> parameters = new LinkedHashMap<>();
            parameters.put("duration", Durations.format(duration));
            parameters.put("server_pid", pid);
            if (label != null) {
                parameters.put("label", label);
            }
            result.put("parameters", parameters);
            result.put("window_s", round(windowSeconds));
            result.put("server_cpu_cores", round(serverCores));
            result.put("server_threads", threadsEnd);
            result.put("server_threads_min", threadsMin);
            result.put("server_threads_max", threadsMax);
            result.put("server_rss_bytes", rssBytes);
            result.put("bench_cpu_cores", round(benchCores));
            result.put("other_cpu_cores", round(otherCores()));
            return result;
        }

        private static double round(double value) {
            return Math.round(value * 10000.0) / 10000.0;
        }
    }

    IdleResult measure() throws InterruptedException {
        try {
            Validate.duration("--duration", duration, Duration.ofSeconds(1), Duration.ofHours(24));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        ProcStatus server = ProcStatus.of(serverPid);
        long start = System.nanoTime();
        double cpuStart = server.cpuSeconds();
        double benchStart = MachineCpu.selfSeconds();
        double machineStart = MachineCpu.busySeconds();
        int threads = server.threads();
        int min = threads;
        int max = threads;
        long end = start + duration.toNanos();
        long left;
        while ((left = end - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(SAMPLE_MILLIS)));
            threads = server.threads();
            min = Math.min(min, threads);
            max = Math.max(max, threads);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new IdleResult(seconds, (server.cpuSeconds() - cpuStart) / seconds, min, max, threads, server.rssBytes(),
            (MachineCpu.selfSeconds() - benchStart) / seconds, (MachineCpu.busySeconds() - machineStart) / seconds);
    }

    @Override
    public Integer call() throws InterruptedException {
        IdleResult result = measure();
        Output.emit(System.out, result.summary(), result.toJson(serverPid, label, duration), json, 0);
        return Verdict.OK;
    }
}
