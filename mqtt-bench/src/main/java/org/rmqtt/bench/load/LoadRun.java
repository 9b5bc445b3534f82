package org.rmqtt.bench.load;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.rmqtt.bench.cli.Rate;
import org.rmqtt.bench.env.MachineCpu;
import org.rmqtt.bench.env.ProcStatus;
import org.rmqtt.bench.report.Progress;
import org.rmqtt.bench.stats.LatencySummary;

/**
 * The timeline every message scenario shares, once its clients are connected and subscribed:
 * warm-up, measured window, settle (wait for confirmations of what is in flight), drain (wait until
 * every receiver has every confirmed message it should get), then the accounting.
 *
 * <p>Every phase ends at a deadline, so a server that stops answering ends the run with its losses
 * reported instead of hanging it.
 */
public final class LoadRun {

    /** How long to give in-flight messages to be confirmed after sending stopped. */
    private static final Duration SETTLE = Duration.ofSeconds(10);
    private static final long DRAIN_POLL_MILLIS = 50;

    /**
     * Parameters of the timeline, plus how to describe the run in reports.
     *
     * @param parameters the command-line parameters as they go into the JSON report
     */
    public record Plan(String scenario, String description, Map<String, Object> parameters, Rate rate,
                       Duration warmup, Duration duration, Duration drain, int pacerThreads, int maxBacklog) {
    }

    private final Plan plan;
    private final List<Lane> lanes;
    private final List<Sink> sinks;
    private final Meter meter;
    private final ProcStatus server;
    private final PrintStream progressOut;
    private final Backlog backlog;

    /**
     * @param server      the server process to sample for CPU and memory, or null
     * @param progressOut where the per-second progress line goes, or null for none
     */
    public LoadRun(Plan plan, List<Lane> lanes, List<Sink> sinks, Meter meter, ProcStatus server, PrintStream progressOut) {
        this.plan = plan;
        this.lanes = List.copyOf(lanes);
        this.sinks = List.copyOf(sinks);
        this.meter = meter;
        this.server = server;
        this.progressOut = progressOut;
        // Per receiver on average: each of S receivers may be that many messages behind.
        this.backlog = plan.rate().isMax() ? new Backlog((long) plan.maxBacklog() * Math.max(1, sinks.size()), meter) : null;
    }

    public LoadResult run() throws InterruptedException {
        long start = System.nanoTime();
        long windowStart = start + plan.warmup().toNanos();
        long windowEnd = windowStart + plan.duration().toNanos();
        meter.window(windowStart, windowEnd);

        List<Thread> pacers = startPacers(start, windowEnd);
        Progress progress = new Progress(progressOut, new LoadProgressLine(start, windowStart, windowEnd));
        progress.start();
        try {
            sleepUntil(windowStart);
            Snapshot atStart = snapshot();
            sleepUntil(windowEnd);
            Snapshot atEnd = snapshot();
            for (Thread pacer : pacers) {
                pacer.join(TimeUnit.SECONDS.toMillis(5));
                pacer.interrupt();
            }

            long settleDeadline = System.nanoTime() + SETTLE.toNanos();
            boolean settled = true;
            for (Lane lane : lanes) {
                settled &= lane.awaitSettled(settleDeadline);
            }

            Map<Integer, BitSet> confirmed = new HashMap<>();
            Map<Integer, Long> confirmedCounts = new HashMap<>();
            for (Lane lane : lanes) {
                BitSet bits = lane.confirmed();
                confirmed.put(lane.id(), bits);
                confirmedCounts.put(lane.id(), (long) bits.cardinality());
            }
            long drainStart = System.nanoTime();
            long drainDeadline = drainStart + plan.drain().toNanos();
            boolean drained = false;
            while (!drained && System.nanoTime() - drainDeadline < 0) {
                drained = sinks.stream().allMatch(s -> s.complete(confirmed, confirmedCounts));
                if (!drained) {
                    Thread.sleep(DRAIN_POLL_MILLIS);
                }
            }
            Duration drainTook = Duration.ofNanos(System.nanoTime() - drainStart);

            List<Sink.SinkReport> reports = new ArrayList<>();
            for (Sink sink : sinks) {
                reports.add(sink.report(confirmed, confirmedCounts));
            }
            LatencySummary latency = meter.latency().windowSummary();
            return new LoadResult(plan, lanes, reports, latency, meter.latency().windowHistogram(),
                atStart, atEnd, settled, drained, drainTook, backlog == null ? 0 : backlog.stalls());
        } finally {
            progress.stop();
            for (Thread pacer : pacers) {
                pacer.interrupt();
            }
        }
    }

    private List<Thread> startPacers(long start, long stopAt) {
        int threads = Math.max(1, Math.min(plan.pacerThreads(), lanes.size()));
        // Receivers per lane id, from each sink's own lanes: N × N lookups would take long with many devices.
        Map<Integer, Integer> receivers = new HashMap<>();
        for (Sink sink : sinks) {
            for (int lane : sink.lanes()) {
                receivers.merge(lane, 1, Integer::sum);
            }
        }
        List<Thread> pacers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            List<Lane> mine = new ArrayList<>();
            for (int i = t; i < lanes.size(); i += threads) {
                mine.add(lanes.get(i));
            }
            int[] fanout = new int[mine.size()];
            for (int i = 0; i < mine.size(); i++) {
                int lane = mine.get(i).id();
                fanout[i] = receivers.getOrDefault(lane, 0);
            }
            Thread thread = new Thread(new Pacer(mine, fanout, t, threads, lanes.size(), plan.rate(), backlog, start, stopAt),
                "bench-pacer-" + t);
            thread.setDaemon(true);
            thread.start();
            pacers.add(thread);
        }
        return pacers;
    }

    private static void sleepUntil(long deadline) throws InterruptedException {
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
        }
    }

    private Snapshot snapshot() {
        long attempted = 0;
        long confirmed = 0;
        for (Lane lane : lanes) {
            attempted += lane.attempted();
            confirmed += lane.confirmedCount();
        }
        double cpu = server == null ? Double.NaN : server.cpuSeconds();
        long rss = server == null ? -1 : server.rssBytes();
        return new Snapshot(System.nanoTime(), attempted, confirmed, meter.deliveries(), cpu, rss,
            MachineCpu.selfSeconds(), MachineCpu.busySeconds());
    }

    /** Counters at one instant; the measured rates are differences of two of these. */
    record Snapshot(long nanos, long attempted, long confirmed, long deliveries, double serverCpuSeconds,
                    long serverRssBytes, double benchCpuSeconds, double machineBusySeconds) {
    }

    /** The once-a-second line: phase, rates over the last second, latency of the last second. */
    private final class LoadProgressLine implements Progress.Line {
        private final long start;
        private final long windowStart;
        private final long windowEnd;
        private long lastNanos;
        private long lastConfirmed;
        private long lastDeliveries;

        LoadProgressLine(long start, long windowStart, long windowEnd) {
            this.start = start;
            this.windowStart = windowStart;
            this.windowEnd = windowEnd;
            this.lastNanos = start;
        }

        @Override
        public String next() {
            long now = System.nanoTime();
            long confirmed = 0;
            long failed = 0;
            long unresolved = 0;
            for (Lane lane : lanes) {
                confirmed += lane.confirmedCount();
                failed += lane.failed();
                unresolved += lane.unresolved();
            }
            long deliveries = meter.deliveries();
            double seconds = Math.max(1e-9, (now - lastNanos) / 1e9);
            String phase = now - windowStart < 0 ? "warmup" : now - windowEnd < 0 ? "measure" : "drain";
            String line = String.format("[%s %4ds %-7s] sent %,9.0f/s  recv %,9.0f/s  inflight %,6d  failed %,d  %s",
                plan.scenario(), TimeUnit.NANOSECONDS.toSeconds(now - start), phase,
                (confirmed - lastConfirmed) / seconds, (deliveries - lastDeliveries) / seconds,
                unresolved, failed, meter.latency().takeInterval().describe());
            lastNanos = now;
            lastConfirmed = confirmed;
            lastDeliveries = deliveries;
            return line;
        }
    }
}
