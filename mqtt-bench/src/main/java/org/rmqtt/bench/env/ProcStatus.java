package org.rmqtt.bench.env;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.rmqtt.bench.BenchException;

/**
 * Reads a server process's resident memory and CPU time from /proc, so any server (C or Java) can
 * be measured the same way.
 */
public final class ProcStatus {

    /** USER_HZ: the unit of utime/stime in /proc/PID/stat; 100 on every Linux we run on. */
    private static final double CLOCK_TICKS_PER_SECOND = 100.0;

    private final long pid;

    private ProcStatus(long pid) {
        this.pid = pid;
    }

    /** Fails at once when there is no such process, rather than after the load phase. */
    public static ProcStatus of(long pid) {
        ProcStatus status = new ProcStatus(pid);
        status.rssBytes();
        return status;
    }

    public long pid() {
        return pid;
    }

    public long rssBytes() {
        return parseVmRssBytes(read("status"));
    }

    /** The process's threads now (the kernel's count: JVM, GC, compiler and native threads alike). */
    public int threads() {
        return parseThreads(read("status"));
    }

    /** User plus system CPU time the process has used, in seconds. */
    public double cpuSeconds() {
        return parseCpuSeconds(read("stat"));
    }

    /** Whether the process is a JVM (so jcmd can report its heap). */
    public boolean isJava() {
        try {
            Path exe = Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "exe"));
            return exe.getFileName().toString().equals("java");
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    private String read(String file) {
        Path path = Path.of("/proc", Long.toString(pid), file);
        try {
            return Files.readString(path);
        } catch (NoSuchFileException e) {
            throw new BenchException("no process with pid " + pid + " (" + path + " does not exist)",
                "pass the server's pid to --server-pid, e.g. from `pgrep -f mqtt-standalone`, or leave it out");
        } catch (IOException e) {
            throw new BenchException("cannot read " + path + ": " + e.getMessage(),
                "run mqtt-bench as the user that runs the server, or leave --server-pid out");
        }
    }

    static long parseVmRssBytes(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("VmRSS:")) {
                String[] parts = line.substring("VmRSS:".length()).trim().split("\\s+");
                return Long.parseLong(parts[0]) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS line in /proc/PID/status (a kernel thread or a zombie?)");
    }

    static int parseThreads(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("Threads:")) {
                return Integer.parseInt(line.substring("Threads:".length()).trim());
            }
        }
        throw new IllegalStateException("no Threads line in /proc/PID/status");
    }

    static double parseCpuSeconds(String stat) {
        // The command name (field 2) may contain spaces and parentheses: fields are counted after its last ')'.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
        long utime = Long.parseLong(fields[14 - 3]);
        long stime = Long.parseLong(fields[15 - 3]);
        return (utime + stime) / CLOCK_TICKS_PER_SECOND;
    }
}
