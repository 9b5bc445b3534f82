package org.rmqtt.bench.env;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time the whole machine spent busy, from the first line of /proc/stat. Compared with the
 * server's and the benchmark's own CPU it shows whether something else competed for the cores
 * during a run, which makes its numbers worth less.
 */
public final class MachineCpu {

    private static final double CLOCK_TICKS_PER_SECOND = 100.0;

    private MachineCpu() {
    }

    /** Busy CPU seconds since boot over all cores, or NaN where /proc/stat is not readable. */
    public static double busySeconds() {
        try {
            return parseBusySeconds(Files.readString(Path.of("/proc/stat")));
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** CPU seconds this JVM (the benchmark) has used, or NaN. */
    public static double selfSeconds() {
        try {
            return ProcStatus.parseCpuSeconds(Files.readString(Path.of("/proc/self/stat")));
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    static double parseBusySeconds(String stat) {
        String first = stat.substring(0, stat.indexOf('\n'));
        String[] f = first.trim().split("\\s+");
        if (!f[0].equals("cpu")) {
            throw new IllegalArgumentException("first line of /proc/stat is not the cpu total");
        }
        // user nice system idle iowait irq softirq steal ...: busy is everything but idle and iowait.
        long busy = 0;
        for (int i = 1; i < f.length && i <= 8; i++) {
            if (i != 4 && i != 5) {
                busy += Long.parseLong(f[i]);
            }
        }
        return busy / CLOCK_TICKS_PER_SECOND;
    }
}
