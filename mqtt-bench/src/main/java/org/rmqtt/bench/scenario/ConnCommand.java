package org.rmqtt.bench.scenario;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.rmqtt.bench.cli.ConnectionOptions;
import org.rmqtt.bench.cli.DurationConverter;
import org.rmqtt.bench.cli.Durations;
import org.rmqtt.bench.cli.Validate;
import org.rmqtt.bench.env.HeapProbe;
import org.rmqtt.bench.env.Preflight;
import org.rmqtt.bench.env.ProcStatus;
import org.rmqtt.bench.mqtt.ClientFactory;
import org.rmqtt.bench.mqtt.MqttConnection;
import org.rmqtt.bench.mqtt.Connector;
import org.rmqtt.bench.report.Progress;
import org.rmqtt.bench.stats.LatencySummary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Opens C idle connections at a given rate, holds them, and reports how long each took and what
 * they cost the server in resident memory and (for a JVM) live heap. Optionally with persistent
 * sessions, and with new clients timed right after all C went at once.
 */
@Command(name = "conn", mixinStandardHelpOptions = true,
    description = "Open C idle connections at a rate, hold them; connect latency and server memory per connection.")
public final class ConnCommand implements Callable<Integer> {

    /** How the clients go after the hold. */
    enum Close {
        /** DISCONNECT, then close the socket: a polite client. */
        disconnect,
        /** Close the socket without a DISCONNECT: the server sees the connection lost. */
        drop
    }

    @Mixin
    ConnectionOptions connection;

    @Option(names = {"-C", "--connections"}, defaultValue = "1000", description = "Connections to open (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--hold", defaultValue = "30s", converter = DurationConverter.class,
        description = "How long to keep them open after the last one connected (default: ${DEFAULT-VALUE}).")
    Duration hold;

    @Option(names = "--persistent",
        description = "CONNECT with CleanSession=0: every client asks for a persistent session (client ids are new "
            + "in every run, so each is a new session). Default: CleanSession=1.")
    boolean persistent;

    @Option(names = "--close", defaultValue = "disconnect",
        description = "How all clients go at once after the hold: disconnect (DISCONNECT, then close) or drop "
            + "(close the socket, no DISCONNECT) (default: ${DEFAULT-VALUE}).")
    Close close;

    @Option(names = "--probes", defaultValue = "0",
        description = "Then connect this many new clients, one after the other, starting as the others are closed, "
            + "and time each CONNECT to CONNACK: how soon the server serves new clients (default: ${DEFAULT-VALUE}).")
    int probes;

    @Option(names = "--probe-interval", defaultValue = "100ms", converter = DurationConverter.class,
        description = "Start of one new client to the start of the next (default: ${DEFAULT-VALUE}).")
    Duration probeInterval;

    @Option(names = "--server-pid", description = "Server process: RSS from /proc/PID/status, and heap via jcmd if it is a JVM.")
    Long serverPid;

    @Option(names = "--metrics-url", description = "Prometheus endpoint of the server, for its JVM heap (instead of jcmd).")
    String metricsUrl;

    @Option(names = "--json", description = "Also write the result as JSON to this file.")
    Path json;

    @Option(names = "--label", description = "Free text stored in the JSON, e.g. the server's name.")
    String label;

    @Option(names = "--quiet", description = "No progress line every second.")
    boolean quiet;

    @Option(names = "--strict", description = "Exit with 1 unless every connection opened and stayed open.")
    boolean strict;

    @Spec
    CommandSpec spec;

    void validate() {
        try {
            connection.validate();
            Validate.range("--connections", connections, 1, 10_000_000);
            Validate.duration("--hold", hold, Duration.ZERO, Duration.ofHours(24));
            Validate.range("--probes", probes, 0, 1000);
            Validate.duration("--probe-interval", probeInterval, Duration.ZERO, Duration.ofMinutes(1));
            if (serverPid != null) {
                Validate.range("--server-pid", serverPid, 1, Integer.MAX_VALUE);
            }
            if (metricsUrl != null && !metricsUrl.matches("https?://.+")) {
                throw new IllegalArgumentException("--metrics-url must be an http:// or https:// URL");
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    @Override
    public Integer call() throws InterruptedException {
        ConnResult result = run();
        Output.emit(System.out, result.summary(), result.toJson(), json, result.runId());
        return !strict || result.allHeld() ? Verdict.OK : Verdict.FAILED;
    }

    ConnResult run() throws InterruptedException {
        validate();
        Preflight.requireReachable(connection.host, connection.port, "MQTT server",
            "start the server, or point mqtt-bench at it with --host and --port");
        Preflight.requireFileDescriptors(connections + 1);
        ProcStatus server = serverPid == null ? null : ProcStatus.of(serverPid);
        HeapProbe heap = HeapProbe.choose(metricsUrl, server);
        long rssBefore = server == null ? -1 : server.rssBytes();
        long heapBefore = heap == null ? -1 : heap.usedBytes();

        int runId = MqttLoad.newRunId();
        try (ClientFactory factory = new ClientFactory(connection, runId, connections)) {
            Connector connector = new Connector(connection.connectRate, connection.connectTimeout.toNanos());
            long start = System.nanoTime();
            double cpuBefore = server == null ? -1 : server.cpuSeconds();
            Progress connecting = new Progress(Output.progress(quiet), () -> String.format(
                "[conn %4ds connect] connected %,d of %,d  failed %,d  connect %s",
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start), connector.connected(), connections,
                connector.failed(), LatencySummary.of(connector.takeInterval()).describe()));
            connecting.start();
            List<MqttConnection> clients;
            try {
                clients = connector.connect(connections, i -> factory.create("c", i, !persistent), false);
            } finally {
                connecting.stop();
            }
            Duration connectTook = Duration.ofNanos(System.nanoTime() - start);
            double serverCores = server == null ? -1
                : (server.cpuSeconds() - cpuBefore) / Math.max(1e-9, connectTook.toNanos() / 1e9);
            long stillOpen;
            long rssAfter;
            long heapAfter;
            boolean held = false;
            try {
                long holdEnd = System.nanoTime() + hold.toNanos();
                Progress holding = new Progress(Output.progress(quiet), () -> String.format(
                    "[conn %4ds hold   ] open %,d of %,d%s", TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start),
                    open(clients), connections,
                    server == null ? "" : String.format("  server rss %.1f MB", server.rssBytes() / 1048576.0)));
                holding.start();
                try {
                    long left;
                    while ((left = holdEnd - System.nanoTime()) > 0) {
                        TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(500)));
                    }
                } finally {
                    holding.stop();
                }
                stillOpen = open(clients);
                rssAfter = server == null ? -1 : server.rssBytes();
                heapAfter = heap == null ? -1 : heap.usedBytes();
                held = true;
            } finally {
                if (!held) {
                    MqttLoad.disconnectAll(clients);
                }
            }
            long closeStart = System.nanoTime();
            if (close == Close.drop) {
                MqttLoad.dropAll(clients);
            } else {
                MqttLoad.disconnectAll(clients);
            }
            Duration closeTook = Duration.ofNanos(System.nanoTime() - closeStart);
            NewClientProbe.Result probe = probes == 0 ? null : NewClientProbe.run(probes, probeInterval.toNanos(),
                connection.connectTimeout.toNanos(), closeStart, i -> factory.create("n", i, !persistent));
            return new ConnResult(runId, connections, connector.connected(), connector.failed(),
                connector.firstFailure() == null ? null : Readiness.rootMessage(connector.firstFailure()),
                stillOpen, connectTook, serverCores, hold, connector.total(), rssBefore, rssAfter, heapBefore, heapAfter,
                heap == null ? null : heap.source(), clients.size(), closeTook, probe, parameters());
        }
    }

    private Map<String, Object> parameters() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("host", connection.host);
        p.put("port", connection.port);
        p.put("connections", connections);
        p.put("connect_rate", connection.connectRate);
        p.put("hold", Durations.format(hold));
        p.put("keep_alive", Durations.format(connection.keepAlive));
        p.put("clean_session", !persistent);
        p.put("close", close.name());
        p.put("probes", probes);
        p.put("probe_interval", Durations.format(probeInterval));
        if (label != null) {
            p.put("label", label);
        }
        return p;
    }

    private static long open(List<MqttConnection> clients) {
        return clients.stream().filter(MqttConnection::isConnected).count();
    }

    /**
     * What the conn scenario measured. Memory and CPU figures are -1 where they could not be read;
     * {@code probe} is null when no new clients were timed after the close.
     */
    record ConnResult(int runId, int asked, long connected, long failed, String firstError, long openAfterHold,
                      Duration connectTook, double serverCores, Duration hold, Histogram latencyMicros, long rssBefore,
                      long rssAfter, long heapBefore, long heapAfter, String heapSource, long closedCount,
                      Duration closeTook, NewClientProbe.Result probe, Map<String, Object> parameters) {

        boolean allHeld() {
            return connected == asked && openAfterHold == asked;
        }

        double perSecond() {
            return connected / Math.max(1e-9, connectTook.toNanos() / 1e9);
        }

        /** Bytes per connection the server grew by (negative when it shrank: noise), or null if unknown. */
        static Long perConnection(long before, long after, long count) {
            return before < 0 || after < 0 || count == 0 ? null : (after - before) / count;
        }

        String summary() {
            StringBuilder out = new StringBuilder();
            out.append("== conn: ").append(String.format("%,d idle connections (%s), held %s ==%n", asked,
                Boolean.TRUE.equals(parameters.get("clean_session")) ? "CleanSession=1" : "CleanSession=0",
                Durations.format(hold)));
            out.append(String.format("connections  opened %,d  failed %,d  still open after the hold %,d%n", connected, failed, openAfterHold));
            if (firstError != null) {
                out.append("first error  ").append(firstError).append('\n');
            }
            out.append(String.format("connect      %,.0f conn/s over %s  latency %s%n", perSecond(),
                Durations.format(connectTook), LatencySummary.of(latencyMicros).describe()));
            if (serverCores >= 0) {
                out.append(String.format("server cpu   %.2f cores while connecting%n", serverCores));
            }
            if (rssAfter >= 0) {
                out.append(String.format("server rss   %.1f MB -> %.1f MB  = %,d bytes per connection%n",
                    rssBefore / 1048576.0, rssAfter / 1048576.0, perConnection(rssBefore, rssAfter, openAfterHold)));
            }
            if (heapAfter >= 0) {
                out.append(String.format("server heap  %.1f MB -> %.1f MB  = %,d bytes per connection (%s)%n",
                    heapBefore / 1048576.0, heapAfter / 1048576.0, perConnection(heapBefore, heapAfter, openAfterHold), heapSource));
            }
            out.append(String.format("close        %,d clients at once (%s) in %s%n", closedCount,
                "drop".equals(parameters.get("close")) ? "socket closed, no DISCONNECT" : "DISCONNECT, then close",
                Durations.format(closeTook)));
            if (probe != null) {
                out.append(probe.summary());
            }
            return out.toString();
        }

        private static Long known(long bytes) {
            return bytes < 0 ? null : bytes;
        }

        Map<String, Object> toJson() {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("scenario", "conn");
            json.put("parameters", parameters);
            json.put("connections", asked);
            json.put("connected", connected);
            json.put("failed", failed);
            json.put("first_error", firstError);
            json.put("open_after_hold", openAfterHold);
            json.put("connect_s", connectTook.toMillis() / 1000.0);
            json.put("connects_per_s", Math.round(perSecond()));
            json.put("connect_latency", LatencySummary.of(latencyMicros).toJson());
            json.put("server_cores_connecting", serverCores < 0 ? null : Math.round(serverCores * 100) / 100.0);
            json.put("server_rss_before_bytes", known(rssBefore));
            json.put("server_rss_after_bytes", known(rssAfter));
            json.put("server_rss_per_connection_bytes", perConnection(rssBefore, rssAfter, openAfterHold));
            json.put("server_heap_before_bytes", known(heapBefore));
            json.put("server_heap_after_bytes", known(heapAfter));
            json.put("server_heap_per_connection_bytes", perConnection(heapBefore, heapAfter, openAfterHold));
            json.put("heap_source", heapSource);
            json.put("closed", closedCount);
            json.put("close_s", closeTook.toMillis() / 1000.0);
            json.put("new_clients_after_close", probe == null ? null : probe.toJson());
            return json;
        }
    }
}
