package org.rmqtt.meta.server;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.rmqtt.meta.client.MetaPeer;

/**
 * Settings of one meta peer, validated once.
 *
 * @param id                the peer's own id; must be one of {@code peers}
 * @param peers             every peer of the group, this one included
 * @param dataDir           where the Raft log, snapshots and RocksDB live
 * @param snapshotThreshold take a snapshot (and purge the log up to it) every so many entries
 * @param logSegmentBytes   size of a Raft log segment; only whole closed segments are purged
 * @param purgeGap          purge the log only once this many entries can go
 * @param leaseGrace        a new leader waits this long before expiring leases, so gateways
 *                          that could not heartbeat during a meta outage are not dropped at once
 * @param reaperInterval    how often the leader checks for expired leases
 * @param clock             the wall clock stamped into log entries on the leader
 * @param syncLog           true: an entry counts as written only once it is forced to disk
 *                          (survives a power loss of every peer); false: once it is in the page
 *                          cache, forced right after (survives process crashes, and a power loss
 *                          of a minority of the peers)
 */
public record MetaServerConfig(
        String id,
        List<MetaPeer> peers,
        Path dataDir,
        long snapshotThreshold,
        long logSegmentBytes,
        int purgeGap,
        Duration leaseGrace,
        Duration reaperInterval,
        Clock clock,
        boolean syncLog) {

    public static final long DEFAULT_SNAPSHOT_THRESHOLD = 10_000;

    public MetaServerConfig {
        Objects.requireNonNull(id, "id");
        peers = List.copyOf(peers);
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(leaseGrace, "leaseGrace");
        Objects.requireNonNull(reaperInterval, "reaperInterval");
        Objects.requireNonNull(clock, "clock");
        if (peers.stream().noneMatch(p -> p.id().equals(id))) {
            throw new IllegalArgumentException("meta peer id " + id + " is not in the peer list " + MetaPeer.formatList(peers));
        }
        if (snapshotThreshold < 1 || logSegmentBytes < 1024 || purgeGap < 1) {
            throw new IllegalArgumentException("snapshotThreshold and purgeGap must be positive, logSegmentBytes >= 1024");
        }
        if (leaseGrace.isNegative() || reaperInterval.isNegative() || reaperInterval.isZero()) {
            throw new IllegalArgumentException("leaseGrace must not be negative, reaperInterval must be positive");
        }
    }

    /** Production defaults for peer {@code id} of {@code peers}, storing under {@code dataDir}. */
    public static MetaServerConfig of(String id, List<MetaPeer> peers, Path dataDir) {
        return new MetaServerConfig(id, peers, dataDir, DEFAULT_SNAPSHOT_THRESHOLD, 8L << 20, 1024,
                Duration.ofSeconds(30), Duration.ofSeconds(1), Clock.systemUTC(), true);
    }

    public MetaPeer self() {
        return peers.stream().filter(p -> p.id().equals(id)).findFirst().orElseThrow();
    }

    public MetaServerConfig withSnapshots(long threshold, long segmentBytes, int gap) {
        return new MetaServerConfig(id, peers, dataDir, threshold, segmentBytes, gap, leaseGrace, reaperInterval, clock,
                syncLog);
    }

    public MetaServerConfig withLeaseReaper(Duration grace, Duration interval) {
        return new MetaServerConfig(id, peers, dataDir, snapshotThreshold, logSegmentBytes, purgeGap, grace, interval,
                clock, syncLog);
    }

    public MetaServerConfig withPeers(List<MetaPeer> newPeers) {
        return new MetaServerConfig(id, newPeers, dataDir, snapshotThreshold, logSegmentBytes, purgeGap, leaseGrace,
                reaperInterval, clock, syncLog);
    }

    public MetaServerConfig withLogSync(boolean sync) {
        return new MetaServerConfig(id, peers, dataDir, snapshotThreshold, logSegmentBytes, purgeGap, leaseGrace,
                reaperInterval, clock, sync);
    }
}
