package org.rmqtt.bench.env;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.rmqtt.bench.BenchException;

/**
 * Checks that a scenario can run here before it starts, so it fails in a second with the cause and
 * the fix instead of after minutes with a pile of connection errors.
 */
public final class Preflight {

    /** File descriptors the JVM itself and the client library need beside one per connection. */
    static final int FD_RESERVE = 256;
    private static final int PROBE_TIMEOUT_MILLIS = 3000;

    private Preflight() {
    }

    /** Opens and closes one TCP connection to the peer. */
    public static void requireReachable(String host, int port, String what, String fix) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), PROBE_TIMEOUT_MILLIS);
        } catch (UnknownHostException e) {
            throw new BenchException("cannot resolve host '" + host + "' of the " + what, fix);
        } catch (IOException e) {
            throw new BenchException("cannot reach the " + what + " at " + host + ":" + port + " (" + e.getMessage() + ")", fix);
        }
    }

    /** Fails unless this process may open enough files for {@code connections} sockets. */
    public static void requireFileDescriptors(int connections) {
        Path limits = Path.of("/proc/self/limits");
        if (!Files.isReadable(limits)) {
            return; // Not Linux: nothing to read, the OS will say it when it happens.
        }
        long[] softHard;
        try {
            softHard = parseOpenFilesLimit(Files.readString(limits));
        } catch (IOException e) {
            return;
        }
        checkFileDescriptors(connections, softHard[0], softHard[1]);
    }

    static void checkFileDescriptors(int connections, long soft, long hard) {
        long needed = (long) connections + FD_RESERVE;
        if (soft >= needed) {
            return;
        }
        String raise = hard >= needed
            ? "run `ulimit -n " + needed + "` (the hard limit is " + hard + ") in the shell that starts mqtt-bench"
            : "raise the hard limit (" + hard + ") first, e.g. `nofile` in /etc/security/limits.conf or LimitNOFILE "
                + "for a systemd unit, then `ulimit -n " + needed + "` in the shell that starts mqtt-bench";
        throw new BenchException(String.format(
            "%,d connections need about %,d open files, but this process may open only %,d "
                + "(soft 'Max open files' limit in /proc/self/limits)", connections, needed, soft),
            raise + "; the server needs as many, or ask for fewer connections");
    }

    /**
     * Reads the soft and hard "Max open files" limits from /proc/PID/limits text.
     *
     * @return {soft, hard}, with "unlimited" as {@link Long#MAX_VALUE}
     */
    static long[] parseOpenFilesLimit(String limits) {
        for (String line : limits.split("\n")) {
            if (line.startsWith("Max open files")) {
                String[] parts = line.substring("Max open files".length()).trim().split("\\s+");
                return new long[] {limit(parts[0]), limit(parts[1])};
            }
        }
        throw new IllegalArgumentException("no 'Max open files' line");
    }

    private static long limit(String value) {
        return value.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(value);
    }

    /**
     * How many source addresses on the loopback network are needed so that {@code connections}
     * sockets to one server port do not run out of ephemeral ports (one port per source address and
     * destination). Linux routes all of 127.0.0.0/8 to the loopback device, so 127.0.0.2, .3 ... work
     * without configuration.
     *
     * @return 1 when the default source address suffices
     */
    public static int loopbackSourcesNeeded(String host, int connections) {
        int ports = ephemeralPorts();
        int sources = sourcesNeeded(connections, ports);
        if (sources > 1 && !isLoopback(host)) {
            throw new BenchException(String.format(
                "%,d connections to one server port need more than the %,d ephemeral ports of one source address",
                connections, ports),
                "widen net.ipv4.ip_local_port_range, run several mqtt-bench processes on different machines, "
                    + "or benchmark over loopback (--host 127.0.0.1), where mqtt-bench spreads connections over 127.0.0.x");
        }
        return sources;
    }

    static int sourcesNeeded(int connections, int ephemeralPorts) {
        // Leave a tenth of the range to other programs and to sockets in TIME_WAIT.
        int usable = Math.max(1, ephemeralPorts * 9 / 10);
        return Math.max(1, (connections + usable - 1) / usable);
    }

    static int ephemeralPorts() {
        try {
            return parsePortRange(Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")));
        } catch (IOException | RuntimeException e) {
            return 28_232; // The Linux default range 32768-60999.
        }
    }

    static int parsePortRange(String text) {
        String[] parts = text.trim().split("\\s+");
        return Integer.parseInt(parts[1]) - Integer.parseInt(parts[0]) + 1;
    }

    static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
