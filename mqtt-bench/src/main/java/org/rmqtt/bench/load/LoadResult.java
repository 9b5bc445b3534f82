package org.rmqtt.bench.load;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.rmqtt.bench.cli.Durations;
import org.rmqtt.bench.report.Percentiles;
import org.rmqtt.bench.stats.LatencySummary;

/** The outcome of a {@link LoadRun}: rates over the measured window and exact delivery counts. */
public final class LoadResult {

    /** Receivers listed by name in the text summary; the JSON has all of them. */
    private static final int WORST_LISTED = 10;

    private final LoadRun.Plan plan;
    private final List<Sink.SinkReport> sinks;
    private final LatencySummary latency;
    private final Histogram histogram;
    private final double windowSeconds;
    private final double sentPerSecond;
    private final double confirmedPerSecond;
    private final double receivedPerSecond;
    private final double serverCpuCores;
    private final long serverRssBytes;
    private final long attempted;
    private final long confirmed;
    private final long failed;
    private final long unresolved;
    private final String firstFailure;
    private final boolean settled;
    private final boolean drained;
    private final Duration drainTook;
    private final Totals totals;
    private final double benchCpuCores;
    private final double machineBusyCores;
    private final long backlogStalls;

    LoadResult(LoadRun.Plan plan, List<Lane> lanes, List<Sink.SinkReport> sinks, LatencySummary latency,
               Histogram histogram, LoadRun.Snapshot atStart, LoadRun.Snapshot atEnd, boolean settled,
               boolean drained, Duration drainTook, long backlogStalls) {
        this.plan = plan;
        this.sinks = List.copyOf(sinks);
        this.latency = latency;
        this.histogram = histogram;
        this.windowSeconds = Math.max(1e-9, (atEnd.nanos() - atStart.nanos()) / 1e9);
        this.sentPerSecond = (atEnd.attempted() - atStart.attempted()) / windowSeconds;
        this.confirmedPerSecond = (atEnd.confirmed() - atStart.confirmed()) / windowSeconds;
        this.receivedPerSecond = (atEnd.deliveries() - atStart.deliveries()) / windowSeconds;
        this.serverCpuCores = (atEnd.serverCpuSeconds() - atStart.serverCpuSeconds()) / windowSeconds;
        this.serverRssBytes = atEnd.serverRssBytes();
        long attempted = 0;
        long confirmed = 0;
        long failed = 0;
        long unresolved = 0;
        String firstFailure = null;
        for (Lane lane : lanes) {
            attempted += lane.attempted();
            confirmed += lane.confirmedCount();
            failed += lane.failed();
            unresolved += lane.unresolved();
            if (firstFailure == null && lane.firstFailure() != null) {
                firstFailure = describe(lane.firstFailure());
            }
        }
        this.attempted = attempted;
        this.confirmed = confirmed;
        this.failed = failed;
        this.unresolved = unresolved;
        this.firstFailure = firstFailure;
        this.settled = settled;
        this.drained = drained;
        this.drainTook = drainTook;
        this.totals = Totals.of(this.sinks);
        this.benchCpuCores = (atEnd.benchCpuSeconds() - atStart.benchCpuSeconds()) / windowSeconds;
        this.machineBusyCores = (atEnd.machineBusySeconds() - atStart.machineBusySeconds()) / windowSeconds;
        this.backlogStalls = backlogStalls;
    }

    /**
     * Cores busy with something other than the server and this benchmark during the window (NaN
     * without --server-pid): a noisy neighbour makes the numbers worth less.
     */
    public double otherCpuCores() {
        return Math.max(0, machineBusyCores - benchCpuCores - serverCpuCores);
    }

    /**
     * Server cores per 1,000 msg/s delivered: what a message costs the server, comparable between
     * runs at different rates. NaN when the server was not sampled or nothing was delivered.
     */
    public static double coresPerThousand(double serverCores, double deliveredPerSecond) {
        if (Double.isNaN(serverCores) || !(deliveredPerSecond > 0)) {
            return Double.NaN;
        }
        return serverCores / (deliveredPerSecond / 1000.0);
    }

    public double serverCpuCores() {
        return serverCpuCores;
    }

    /** Sums over all receivers. */
    public record Totals(long expected, long received, long unique, long lost, long duplicates, long outOfOrder,
                         long foreign, long unexpected, long cleanSinks) {
        static Totals of(List<Sink.SinkReport> sinks) {
            long expected = 0, received = 0, unique = 0, lost = 0, duplicates = 0, outOfOrder = 0;
            long foreign = 0, unexpected = 0, clean = 0;
            for (Sink.SinkReport s : sinks) {
                expected += s.expected();
                received += s.received();
                unique += s.unique();
                lost += s.lost();
                duplicates += s.duplicates();
                outOfOrder += s.outOfOrder();
                foreign += s.foreign();
                unexpected += s.unexpected();
                clean += s.clean() ? 1 : 0;
            }
            return new Totals(expected, received, unique, lost, duplicates, outOfOrder, foreign, unexpected, clean);
        }
    }

    public LoadRun.Plan plan() {
        return plan;
    }

    public Totals totals() {
        return totals;
    }

    public List<Sink.SinkReport> sinks() {
        return sinks;
    }

    public LatencySummary latency() {
        return latency;
    }

    public long attempted() {
        return attempted;
    }

    public long confirmed() {
        return confirmed;
    }

    public long failed() {
        return failed;
    }

    public long unresolved() {
        return unresolved;
    }

    public double confirmedPerSecond() {
        return confirmedPerSecond;
    }

    public double receivedPerSecond() {
        return receivedPerSecond;
    }

    public boolean drained() {
        return drained;
    }

    public String summary() {
        StringBuilder out = new StringBuilder();
        out.append("== ").append(plan.scenario()).append(": ").append(plan.description()).append(" ==\n");
        out.append(String.format("throughput   sent %,.0f msg/s  confirmed %,.0f msg/s  received %,.0f msg/s  (window %.1f s)%n",
            sentPerSecond, confirmedPerSecond, receivedPerSecond, windowSeconds));
        out.append(String.format("messages     sent %,d  confirmed %,d  failed %,d  unconfirmed %,d%s%n",
            attempted, confirmed, failed, unresolved, settled ? "" : "  (confirmations still missing after 10 s)"));
        if (firstFailure != null) {
            out.append("first error  ").append(firstFailure).append('\n');
        }
        out.append(String.format("delivery     expected %,d  received %,d  lost %,d  duplicates %,d  out-of-order %,d%s%n",
            totals.expected(), totals.received(), totals.lost(), totals.duplicates(), totals.outOfOrder(),
            drained ? "  (all in " + Durations.format(drainTook) + " after the end)"
                : "  (gave up waiting after " + Durations.format(drainTook) + ")"));
        if (totals.foreign() + totals.unexpected() > 0) {
            out.append(String.format("other        %,d messages not from this run, %,d from senders a receiver did not subscribe to%n",
                totals.foreign(), totals.unexpected()));
        }
        out.append("latency      ").append(latency.describe()).append("  (").append(latency.count()).append(" samples)\n");
        if (!Double.isNaN(serverCpuCores)) {
            double perThousand = coresPerThousand(serverCpuCores, receivedPerSecond);
            out.append(String.format("server       cpu %.2f cores%s  rss %.1f MB%n", serverCpuCores,
                Double.isNaN(perThousand) ? "" : String.format(" (%.3f per 1,000 msg/s delivered)", perThousand),
                serverRssBytes / 1048576.0));
        }
        if (!Double.isNaN(benchCpuCores)) {
            // Other processes only with the server's share known; /proc/stat is coarse, hence "about".
            out.append(String.format("machine      mqtt-bench %.2f cores%s%n", benchCpuCores,
                Double.isNaN(serverCpuCores) || Double.isNaN(machineBusyCores) ? ""
                    : String.format(", other processes about %.2f cores", otherCpuCores())));
        }
        if (backlogStalls > 0) {
            out.append(String.format("flow         %,d times nothing was delivered for 1 s and the outstanding messages were written off%n", backlogStalls));
        }
        out.append(String.format("receivers    %,d of %,d without loss, duplicates or reordering%n", totals.cleanSinks(), sinks.size()));
        List<Sink.SinkReport> worst = new ArrayList<>(sinks.stream().filter(s -> !s.clean()).toList());
        worst.sort(Comparator.comparingLong(Sink.SinkReport::lost).thenComparingLong(Sink.SinkReport::outOfOrder)
            .thenComparingLong(Sink.SinkReport::duplicates).reversed());
        for (Sink.SinkReport s : worst.subList(0, Math.min(WORST_LISTED, worst.size()))) {
            out.append(String.format("  %-28s expected %,d  received %,d  lost %,d  duplicates %,d  out-of-order %,d%n",
                s.name(), s.expected(), s.received(), s.lost(), s.duplicates(), s.outOfOrder()));
        }
        return out.toString();
    }

    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("scenario", plan.scenario());
        json.put("description", plan.description());
        json.put("parameters", plan.parameters());
        json.put("window_s", round(windowSeconds));
        json.put("sent_per_s", round(sentPerSecond));
        json.put("confirmed_per_s", round(confirmedPerSecond));
        json.put("received_per_s", round(receivedPerSecond));
        json.put("sent", attempted);
        json.put("confirmed", confirmed);
        json.put("failed", failed);
        json.put("unconfirmed", unresolved);
        json.put("first_error", firstFailure);
        json.put("expected", totals.expected());
        json.put("received", totals.received());
        json.put("unique", totals.unique());
        json.put("lost", totals.lost());
        json.put("duplicates", totals.duplicates());
        json.put("out_of_order", totals.outOfOrder());
        json.put("foreign", totals.foreign());
        json.put("unexpected", totals.unexpected());
        json.put("drained", drained);
        json.put("drain_s", round(drainTook.toNanos() / 1e9));
        json.put("latency", latency.toJson());
        json.put("latency_percentiles", Percentiles.of(histogram));
        if (!Double.isNaN(serverCpuCores)) {
            json.put("server_cpu_cores", round(serverCpuCores));
            double perThousand = coresPerThousand(serverCpuCores, receivedPerSecond);
            json.put("server_cores_per_1k_msg_s", Double.isNaN(perThousand) ? null : round(perThousand));
            json.put("server_rss_bytes", serverRssBytes);
            json.put("other_cpu_cores", round(otherCpuCores()));
        }
        json.put("bench_cpu_cores", round(benchCpuCores));
        json.put("machine_busy_cores", round(machineBusyCores));
        json.put("backlog_stalls", backlogStalls);
        json.put("receivers", sinks.stream().map(Sink.SinkReport::toJson).toList());
        return json;
    }

    static String describe(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root
            && (root instanceof java.util.concurrent.CompletionException
                || root instanceof java.util.concurrent.ExecutionException)) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }

    private static double round(double value) {
        return Math.round(value * 1000.0) / 1000.0;
    }
}
