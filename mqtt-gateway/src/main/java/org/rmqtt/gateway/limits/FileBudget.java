package org.rmqtt.gateway.limits;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How many connections the process's open-files limit leaves. Each connection holds a file
 * descriptor; so do the process's own files (jars, logs, the commitlog, meta's log, its sockets to
 * meta and RocketMQ) and, with file consume queues, each queue of a broker in the same process.
 * Past the limit not only is a connection not accepted ("Too many open files"): the broker's next
 * queue or commitlog file may fail to open too, where RocketMQ stalls writes and skips index
 * entries. So when {@code limits.maxConnections} is not set, the gateway takes this as its limit.
 */
public final class FileBudget {
    private static final Logger LOG = LoggerFactory.getLogger(FileBudget.class);
    /** Kept for the process's own files; a quarter of a small limit. */
    static final int OWN_FILES = 1_000;

    private FileBudget() {
    }

    /**
     * Connections that fit beside the process's own files and {@code queueFiles} (the consume queues a
     * broker in this process may open: its queue limit with file consume queues, else 0).
     */
    public static int connections(long openFilesLimit, long queueFiles) {
        long own = Math.min(OWN_FILES, openFilesLimit / 4);
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, openFilesLimit - own - queueFiles));
    }

    /**
     * The connection limit to apply: {@code configured} (limits.maxConnections) where set, with a
     * WARN if the open files cannot hold that many; otherwise {@link #connections}, logged. An
     * unknown open-files limit ({@link Long#MAX_VALUE}) leaves {@code configured} as it is.
     */
    public static int maxConnections(int configured, long openFilesLimit, long queueFiles) {
        if (openFilesLimit == Long.MAX_VALUE) {
            return configured; // the platform does not say
        }
        int budget = connections(openFilesLimit, queueFiles);
        String why = queueFiles > 0
                ? "the open-files limit " + openFilesLimit + " leaves beside " + queueFiles
                        + " consume-queue files of the broker in this process and the process's own files"
                : "the open-files limit " + openFilesLimit + " leaves beside the process's own files";
        if (configured == 0) {
            LOG.info("limits.maxConnections is not set: at most {} connections, what {}", budget, why);
            return budget;
        }
        if (configured > budget) {
            LOG.warn("limits.maxConnections={} is more than {} ({}): past that, connections fail to be accepted and"
                    + " the process's own files may fail to open. Raise the open-files limit or lower"
                    + " limits.maxConnections (docs/operations.md, \"Open files and memory maps\")", configured, why, budget);
        }
        return configured;
    }
}
