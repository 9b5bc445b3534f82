package org.rmqtt.meta.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.rmqtt.meta.MetaPeerStatus;
import org.rmqtt.meta.client.MetaGroup;
import org.rmqtt.meta.client.MetaPeer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/mqtt-meta status --peers ...}: asks each meta peer for its role and prints one line
 * per peer and then who the leader is; exit code 0 if a leader answered, 1 if none did.
 */
@Command(name = "mqtt-meta status", mixinStandardHelpOptions = true,
        description = "Shows each meta peer's role and the current meta leader.")
public final class MetaStatusMain implements Callable<Integer> {

    @Option(names = "--peers", required = true, description = "Every peer of the group: id1=host:port,id2=host:port,...")
    String peers;

    @Option(names = "--timeout", defaultValue = "3s", description = "How long to wait for each peer (default: ${DEFAULT-VALUE}).",
            converter = DurationConverter.class)
    Duration timeout;

    /** One peer's answer. */
    public record PeerStatus(MetaPeer peer, String role, String leader, String error) {
        String line() {
            return error != null ? String.format("%-10s %-22s unreachable: %s", peer.id(), peer.address(), error)
                    : String.format("%-10s %-22s %-9s leader=%s", peer.id(), peer.address(), role, leader);
        }
    }

    /** Asks every peer of {@code peers} for its role and whom it follows. */
    public static List<PeerStatus> status(List<MetaPeer> peers, Duration timeout) {
        List<MetaPeerStatus> answers = MetaGroup.status(peers, timeout);
        List<PeerStatus> result = new ArrayList<>();
        for (int i = 0; i < peers.size(); i++) {
            MetaPeerStatus s = answers.get(i);
            result.add(new PeerStatus(peers.get(i), s.role(), s.leader(), s.error()));
        }
        return result;
    }

    @Override
    public Integer call() {
        List<PeerStatus> all = status(MetaPeer.parseList(peers), timeout);
        all.forEach(s -> System.out.println(s.line()));
        String leader = all.stream().filter(s -> "LEADER".equals(s.role())).map(s -> s.peer().id()).findFirst().orElse(null);
        System.out.println(leader == null ? "meta leader: none answered" : "meta leader: " + leader);
        return leader == null ? 1 : 0;
    }

    /** Durations as the config files write them: 500ms, 3s, 1m. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            String v = value.trim();
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            }
            if (v.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
            }
            if (v.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
            }
            throw new CommandLine.TypeConversionException("not a duration (500ms, 3s, 1m): " + value);
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new MetaStatusMain()).execute(args));
    }
}
