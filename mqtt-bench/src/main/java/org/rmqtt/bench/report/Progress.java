package org.rmqtt.bench.report;

import java.io.PrintStream;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Prints one progress line a second until stopped; a daemon thread, so it never keeps the JVM up. */
public final class Progress {

    /** Produces the next line; called once a second from the progress thread. */
    @FunctionalInterface
    public interface Line {
        String next();
    }

    private final PrintStream out;
    private final Line line;
    private ScheduledExecutorService timer;

    /** @param out where lines go; null prints nothing (quiet mode) */
    public Progress(PrintStream out, Line line) {
        this.out = out;
        this.line = line;
    }

    public void start() {
        if (out == null) {
            return;
        }
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "bench-progress");
            thread.setDaemon(true);
            return thread;
        });
        timer.scheduleAtFixedRate(this::print, 1, 1, TimeUnit.SECONDS);
    }

    private void print() {
        try {
            out.println(line.next());
        } catch (RuntimeException e) {
            // A progress line must never end a run; the summary will show what went wrong.
            out.println("progress: " + e);
        }
    }

    public void stop() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
