package org.rmqtt.bench.cli;

import java.time.Duration;
import picocli.CommandLine.Option;

/** Where the MQTT server is and how clients connect to it; shared by every scenario. */
public final class ConnectionOptions {

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "MQTT server host (default: ${DEFAULT-VALUE}).")
    public String host;

    @Option(names = "--port", defaultValue = "1883", description = "MQTT server port (default: ${DEFAULT-VALUE}).")
    public int port;

    @Option(names = "--keep-alive", defaultValue = "60s", converter = DurationConverter.class,
        description = "MQTT keep-alive of every client (default: ${DEFAULT-VALUE}).")
    public Duration keepAlive;

    @Option(names = "--connect-rate", defaultValue = "1000",
        description = "New connections per second while setting up clients (default: ${DEFAULT-VALUE}).")
    public double connectRate;

    @Option(names = "--connect-timeout", defaultValue = "10s", converter = DurationConverter.class,
        description = "Time for one TCP connect plus CONNACK (default: ${DEFAULT-VALUE}).")
    public Duration connectTimeout;

    @Option(names = "--client-prefix", defaultValue = "bench",
        description = "Client ids are <prefix>-<run>-<role><n> (default: ${DEFAULT-VALUE}).")
    public String clientPrefix;

    @Option(names = "--io-threads", defaultValue = "${sys:bench.ioThreads:-0}",
        description = "Client I/O threads; 0 = one per CPU (default: ${DEFAULT-VALUE}).")
    public int ioThreads;

    public void validate() {
        Validate.range("--port", port, 1, 65535);
        Validate.duration("--keep-alive", keepAlive, Duration.ZERO, Duration.ofSeconds(65535));
        Validate.positive("--connect-rate", connectRate, 1_000_000);
        Validate.range("--io-threads", ioThreads, 0, 1024);
        Validate.duration("--connect-timeout", connectTimeout, Duration.ofMillis(100), Duration.ofMinutes(5));
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("--host must not be empty");
        }
        if (clientPrefix.isEmpty() || clientPrefix.length() > 40 || !clientPrefix.matches("[A-Za-z0-9_-]+")) {
            throw new IllegalArgumentException("--client-prefix must be 1-40 characters of A-Z a-z 0-9 _ -");
        }
    }
}
