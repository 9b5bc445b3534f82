package org.rmqtt.bench.env;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.rmqtt.bench.BenchException;

/**
 * Reads how much Java heap a server uses: from its Prometheus metrics when it has them, else with
 * {@code jcmd} (same user, same machine) after a full GC, so the figure is live data rather than
 * garbage waiting for collection.
 */
public final class HeapProbe {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** jcmd GC.heap_info: "garbage-first heap   total 262144K, used 10240K [...". */
    private static final Pattern JCMD_USED = Pattern.compile("heap\\s+total\\s+\\d+K,\\s+used\\s+(\\d+)K");

    private final String source;
    private final URI metrics;
    private final long pid;

    private HeapProbe(String source, URI metrics, long pid) {
        this.source = source;
        this.metrics = metrics;
        this.pid = pid;
    }

    /**
     * @return a probe, or null when neither a metrics URL nor a JVM pid is at hand
     */
    public static HeapProbe choose(String metricsUrl, ProcStatus server) {
        if (metricsUrl != null) {
            HeapProbe probe = new HeapProbe("metrics " + metricsUrl, URI.create(metricsUrl), -1);
            probe.usedBytes(); // Fail now, not after the connections are open.
            return probe;
        }
        if (server != null && server.isJava() && jcmd() != null) {
            return new HeapProbe("jcmd GC.heap_info after GC.run", null, server.pid());
        }
        return null;
    }

    public String source() {
        return source;
    }

    public long usedBytes() {
        return metrics != null ? fromMetrics() : fromJcmd();
    }

    private long fromMetrics() {
        String body;
        try {
            HttpResponse<String> response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
                .send(HttpRequest.newBuilder(metrics).timeout(TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new BenchException("metrics URL " + metrics + " answered HTTP " + response.statusCode(),
                    "pass the server's Prometheus endpoint, e.g. --metrics-url http://127.0.0.1:8080/metrics");
            }
            body = response.body();
        } catch (IOException e) {
            throw new BenchException("cannot read metrics from " + metrics + " (" + e + ")",
                "check that the server's metrics endpoint is up, or leave --metrics-url out");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted while reading " + metrics, "run again");
        }
        long used = heapUsedFromPrometheus(body);
        if (used < 0) {
            throw new BenchException("metrics at " + metrics + " have no JVM heap gauge "
                + "(jvm_memory_used_bytes{area=\"heap\"} or jvm_memory_bytes_used{area=\"heap\"})",
                "enable the JVM metrics of the server, or leave --metrics-url out and pass --server-pid");
        }
        return used;
    }

    private long fromJcmd() {
        run(List.of(jcmd(), Long.toString(pid), "GC.run"));
        String out = run(List.of(jcmd(), Long.toString(pid), "GC.heap_info"));
        long used = heapUsedFromJcmd(out);
        if (used < 0) {
            throw new BenchException("cannot find the used heap in the output of jcmd " + pid + " GC.heap_info",
                "pass --metrics-url, or leave --server-pid out");
        }
        return used;
    }

    private static String run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new BenchException(String.join(" ", command) + " did not answer within " + TIMEOUT.toSeconds() + " s",
                    "check that the server is a responsive JVM run by the same user, or pass --metrics-url");
            }
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new BenchException(String.join(" ", command) + " failed: " + out.strip(),
                    "run mqtt-bench as the user that runs the server, or pass --metrics-url");
            }
            return out;
        } catch (IOException e) {
            throw new BenchException("cannot run " + command.get(0) + " (" + e.getMessage() + ")", "pass --metrics-url");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted while running jcmd", "run again");
        }
    }

    /** jcmd from the JDK running mqtt-bench, else from the PATH. */
    static String jcmd() {
        Path local = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        if (Files.isExecutable(local)) {
            return local.toString();
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(dir, "jcmd");
            if (!dir.isEmpty() && Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return null;
    }

    /**
     * Sums the heap pools of a Prometheus text exposition. Knows the Micrometer / client_java 1.x
     * name and the older simpleclient hotspot name.
     *
     * @return used heap in bytes, or -1 if the text has no heap gauge
     */
    static long heapUsedFromPrometheus(String text) {
        for (String name : new String[] {"jvm_memory_used_bytes", "jvm_memory_bytes_used"}) {
            List<Double> values = new ArrayList<>();
            for (String line : text.split("\n")) {
                if (line.startsWith(name + "{") && line.contains("area=\"heap\"")) {
                    String[] parts = line.substring(line.lastIndexOf('}') + 1).trim().split("\\s+");
                    values.add(Double.parseDouble(parts[0]));
                }
            }
            if (!values.isEmpty()) {
                return (long) values.stream().mapToDouble(Double::doubleValue).sum();
            }
        }
        return -1;
    }

    /** @return used heap in bytes from jcmd GC.heap_info output, or -1 */
    static long heapUsedFromJcmd(String output) {
        Matcher m = JCMD_USED.matcher(output);
        return m.find() ? Long.parseLong(m.group(1)) * 1024 : -1;
    }
}
