package org.rmqtt.store.embedded;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The TCP addresses a process listens on, read from Linux's {@code /proc}: the sockets among its
 * open files that {@code /proc/<pid>/net/tcp} and {@code tcp6} show in state LISTEN.
 */
public final class ListeningSockets {
    private static final String LISTEN = "0A";

    private ListeningSockets() {
    }

    /** Whether this machine has the files {@link #of} reads. */
    public static boolean available() {
        return Files.isReadable(Path.of("/proc/self/net/tcp"));
    }

    public static List<InetSocketAddress> of(long pid) throws IOException {
        Path proc = Path.of("/proc", Long.toString(pid));
        Set<String> sockets = new HashSet<>();
        try (Stream<Path> fds = Files.list(proc.resolve("fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        sockets.add(target.substring("socket:[".length(), target.length() - 1));
                    }
                } catch (IOException e) {
                    // Closed while listed.
                }
            }
        }
        List<InetSocketAddress> listening = new ArrayList<>();
        for (String table : List.of("tcp", "tcp6")) {
            Path file = proc.resolve("net").resolve(table);
            if (!Files.exists(file)) {
                continue;
            }
            List<String> lines = Files.readAllLines(file);
            for (String line : lines.subList(1, lines.size())) {
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
                String[] f = line.trim().split("\\s+");
                if (f[3].equals(LISTEN) && sockets.contains(f[9])) {
                    listening.add(address(f[1]));
                }
            }
        }
        return listening;
    }

    /** {@code 0100007F:1F90}: the address in 32-bit words of host byte order (little-endian here), the port in hex. */
    private static InetSocketAddress address(String field) throws IOException {
        String[] hostPort = field.split(":");
        byte[] words = HexFormat.of().parseHex(hostPort[0]);
        byte[] address = new byte[words.length];
        for (int i = 0; i < words.length; i += 4) {
            for (int j = 0; j < 4; j++) {
                address[i + j] = words[i + 3 - j];
            }
        }
        return new InetSocketAddress(InetAddress.getByAddress(address), Integer.parseInt(hostPort[1], 16));
    }
}
