package org.rmqtt.meta.server;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.rmqtt.meta.client.MetaPeer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bin/mqtt-meta}: runs one peer of the meta service until the process is stopped. */
@Command(name = "mqtt-meta", mixinStandardHelpOptions = true,
        description = "Runs one peer of the MQTT gateway's replicated meta service (Apache Ratis + RocksDB).")
public final class MetaServerMain implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(MetaServerMain.class);

    @Option(names = "--id", required = true, description = "This peer's id; must appear in --peers.")
    String id;

    @Option(names = "--peers", required = true, description = "Every peer of the group: id1=host:port,id2=host:port,...")
    String peers;

    @Option(names = "--data.dir", required = true, description = "Directory of the Raft log, snapshots and RocksDB.")
    Path dataDir;

    @Option(names = "--snapshot.threshold", defaultValue = "10000",
            description = "Log entries between snapshots (default: ${DEFAULT-VALUE}).")
    long snapshotThreshold;

    /** When the Raft log counts an entry as written. */
    enum LogFlush { SYNC, ASYNC }

    @Option(names = "--log.flush", defaultValue = "sync",
            description = "sync: a write is acknowledged once the Raft log is forced to disk on a majority (survives a "
                    + "power loss); async: once it is in their page cache (survives process crashes). Default: ${DEFAULT-VALUE}.")
    LogFlush logFlush;

    private final CountDownLatch stopped = new CountDownLatch(1);

    @Override
    public Integer call() throws Exception {
        List<MetaPeer> peerList = MetaPeer.parseList(peers);
        MetaServerConfig defaults = MetaServerConfig.of(id, peerList, dataDir);
        MetaServerConfig config = defaults.withSnapshots(snapshotThreshold, defaults.logSegmentBytes(),
                defaults.purgeGap()).withLogSync(logFlush == LogFlush.SYNC);
        MetaServer server = new MetaServer(config);
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "mqtt-meta-shutdown"));
        stopped.await();
        return 0;
    }

    /** The command line of {@code bin/mqtt-meta}; {@code --log.flush} takes sync/async in any case. */
    static CommandLine commandLine() {
        return new CommandLine(new MetaServerMain()).setCaseInsensitiveEnumValuesAllowed(true);
    }

    public static void main(String[] args) {
        CommandLine commandLine = commandLine();
        // A bad or unknown option, or a bad --peers list: one line on stderr, no usage, no stack trace.
        commandLine.setParameterExceptionHandler((e, args1) -> {
            e.getCommandLine().getErr().println("mqtt-meta: " + e.getMessage() + " (see --help)");
            return 2;
        });
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof IllegalArgumentException) {
                cmd.getErr().println("mqtt-meta: " + e.getMessage());
                return 2;
            }
            LOG.error("mqtt-meta failed: {}", e.getMessage(), e);
            cmd.getErr().println("mqtt-meta: " + e.getMessage());
            return 1;
        });
        int code = commandLine.execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }
}
