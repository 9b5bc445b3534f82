package org.rmqtt.bench.cli;

import java.nio.file.Path;
import java.time.Duration;
import org.rmqtt.bench.payload.PayloadCodec;
import picocli.CommandLine.Option;

/** How messages are sent and for how long; shared by the message scenarios. */
public final class LoadOptions {

    /** Largest payload accepted: big enough for any benchmark, far below MQTT's 256 MB limit. */
    public static final int MAX_PAYLOAD = 16 * 1024 * 1024;

    @Option(names = "--qos", defaultValue = "1", description = "QoS of publishes and subscriptions: 0, 1 or 2 (default: ${DEFAULT-VALUE}).")
    public int qos;

    @Option(names = "--payload", defaultValue = "64",
        description = "Payload size in bytes, at least " + PayloadCodec.HEADER_SIZE + " (default: ${DEFAULT-VALUE}).")
    public int payload;

    @Option(names = "--duration", defaultValue = "30s", converter = DurationConverter.class,
        description = "Measured time after the warm-up (default: ${DEFAULT-VALUE}).")
    public Duration duration;

    @Option(names = "--warmup", defaultValue = "5s", converter = DurationConverter.class,
        description = "Load before measuring; not in rates or latencies, but in loss counts (default: ${DEFAULT-VALUE}).")
    public Duration warmup;

    @Option(names = "--drain", defaultValue = "10s", converter = DurationConverter.class,
        description = "Longest wait after sending stops for the last messages to arrive (default: ${DEFAULT-VALUE}).")
    public Duration drain;

    @Option(names = "--inflight", defaultValue = "64",
        description = "Unconfirmed messages per publisher at most (default: ${DEFAULT-VALUE}).")
    public int inflight;

    @Option(names = "--max-backlog", defaultValue = "500",
        description = "With --rate max: messages a subscriber may be behind before publishers pause (default: ${DEFAULT-VALUE}).")
    public int maxBacklog;

    @Option(names = "--server-pid", description = "Server process to sample for CPU and RSS from /proc.")
    public Long serverPid;

    @Option(names = "--json", description = "Also write the result as JSON to this file.")
    public Path json;

    @Option(names = "--label", description = "Free text stored in the JSON, e.g. the server's name.")
    public String label;

    @Option(names = "--quiet", description = "No progress line every second.")
    public boolean quiet;

    @Option(names = "--strict", description = "Exit with 1 if a confirmed QoS 1/2 message was lost or a send failed.")
    public boolean strict;

    public void validate() {
        Validate.range("--qos", qos, 0, 2);
        Validate.range("--payload", payload, PayloadCodec.HEADER_SIZE, MAX_PAYLOAD);
        Validate.duration("--duration", duration, Duration.ofSeconds(1), Duration.ofHours(24));
        Validate.duration("--warmup", warmup, Duration.ZERO, Duration.ofHours(1));
        Validate.duration("--drain", drain, Duration.ZERO, Duration.ofMinutes(30));
        // Packet ids are 1..65535 per connection; half leaves room for slow acks to come back.
        Validate.range("--inflight", inflight, 1, 32768);
        Validate.range("--max-backlog", maxBacklog, 1, 10_000_000);
        if (serverPid != null) {
            Validate.range("--server-pid", serverPid, 1, Integer.MAX_VALUE);
        }
    }
}
