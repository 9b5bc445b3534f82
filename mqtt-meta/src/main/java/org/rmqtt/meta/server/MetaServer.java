package org.rmqtt.meta.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.netty.NettyConfigKeys;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.rmqtt.meta.client.MetaGroup;
import org.rmqtt.meta.client.MetaPeer;
import org.rmqtt.meta.codec.Command;
import org.rmqtt.meta.codec.MetaCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One meta peer: a Ratis server of the meta group with {@link MetaStateMachine}, listening on
 * its own address from the peer list. While it is the leader it also expires gateway leases.
 *
 * <p>Used alone (one peer) inside the standalone process, and in groups of three or five as the
 * separate meta service ({@link MetaServerMain}).
 */
public final class MetaServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MetaServer.class);
    private static final long SILENT_FOLLOWER_MILLIS = 5_000;
    private final org.rmqtt.common.health.ThrottledWarning silentFollowers =
            new org.rmqtt.common.health.ThrottledWarning(LOG, Duration.ofSeconds(30));

    private final MetaServerConfig config;
    private MetaStateMachine stateMachine;
    private RaftServer server;
    /** The lease reaper's way to the leader: a Raft client, or in a group of one this peer itself. */
    private RaftClient reaperClient;
    private InProcessClientRpc reaperLocal;
    private static final ClientId REAPER = ClientId.randomId();
    private final AtomicLong reaperCalls = new AtomicLong();
    private ScheduledExecutorService reaper;
    private long leaderTerm = -1;
    private long leaderSinceNanos;

    public MetaServer(MetaServerConfig config) {
        this.config = config;
    }

    /**
     * Starts the peer: opens (or creates) its data, binds its port and joins the group.
     *
     * @throws IOException if the port cannot be bound or the data cannot be read; the peer does
     *     not serve in that case
     */
    public synchronized MetaServer start() throws IOException {
        if (server != null) {
            throw new IllegalStateException("meta peer " + config.id() + " is already started");
        }
        MetaPeer self = config.self();
        stateMachine = new MetaStateMachine(config.clock());
        RaftServer built = RaftServer.newBuilder()
                .setServerId(RaftPeerId.valueOf(config.id()))
                .setGroup(MetaGroup.of(config.peers()))
                .setProperties(properties(self))
                .setStateMachine(stateMachine)
                .setOption(RaftStorage.StartupOption.RECOVER)
                .build();
        try {
            built.start();
        } catch (IOException | RuntimeException e) {
            closeQuietly(built);
            throw new IOException("Meta peer " + config.id() + " failed to start: " + e.getMessage(), e);
        }
        server = built;
        if (config.peers().size() == 1) {
            // The reaper sends only while this peer leads, so in a group of one it hands its
            // requests to this peer directly and waits for them: no Raft client, no connection.
            reaperLocal = new InProcessClientRpc(built, Runnable::run);
        } else {
            reaperClient = MetaGroup.newClient(config.peers(), Duration.ofSeconds(5));
        }
        reaper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "meta-lease-reaper-" + config.id());
            t.setDaemon(true);
            return t;
        });
        long interval = config.reaperInterval().toMillis();
        reaper.scheduleWithFixedDelay(this::reapLeases, interval, interval, TimeUnit.MILLISECONDS);
        LOG.info("Meta peer {} started on {} with peers {}, log flush {}, data in {}", config.id(), self.address(),
                MetaPeer.formatList(config.peers()), config.syncLog() ? "sync" : "async", config.dataDir());
        return this;
    }

    private RaftProperties properties(MetaPeer self) {
        RaftProperties p = MetaGroup.newProperties();
        NettyConfigKeys.Server.setHost(p, self.host());
        NettyConfigKeys.Server.setPort(p, self.port());
        RaftServerConfigKeys.setStorageDir(p, List.of(config.dataDir().toFile()));
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, config.snapshotThreshold());
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 2);
        // The live RocksDB survives a stop; a clean restart replays the log tail exactly as a crash does.
        RaftServerConfigKeys.Snapshot.setTriggerWhenStopEnabled(p, false);
        // Keep the log bounded even while a peer is down; it catches up by snapshot (small here).
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
        RaftServerConfigKeys.Log.setPurgeGap(p, config.purgeGap());
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(config.logSegmentBytes()));
        // Ratis forces the log to disk before an entry counts towards the commit (the default);
        // "unsafe flush" counts it once written to the page cache and forces it right after.
        RaftServerConfigKeys.Log.setUnsafeFlushEnabled(p, !config.syncLog());
        RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
        // Ratis's 150-300 ms elections churn when a busy host delays heartbeats; 1-2 s is calmer
        // and still well inside a client's call timeout. The first election stays quick, so a
        // group (and the one-peer embedded group) is ready soon after start.
        RaftServerConfigKeys.Rpc.setTimeoutMin(p, TimeDuration.valueOf(1, TimeUnit.SECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, TimeDuration.valueOf(2, TimeUnit.SECONDS));
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(p, TimeDuration.valueOf(150, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(p, TimeDuration.valueOf(300, TimeUnit.MILLISECONDS));
        return p;
    }

    /**
     * On the leader: drops gateways whose lease ended, and ends unowned persistent sessions whose
     * expiry came, by log entries so every peer agrees. A new
     * leader first waits out the grace period: gateways may not have reached meta during the
     * election, and their leases were granted by the previous leader's clock.
     */
    private void reapLeases() {
        try {
            DivisionInfo info = server.getDivision(MetaGroup.ID).getInfo();
            if (!info.isLeader() || !info.isLeaderReady()) {
                leaderTerm = -1;
                return;
            }
            if (info.getCurrentTerm() != leaderTerm) {
                leaderTerm = info.getCurrentTerm();
                leaderSinceNanos = System.nanoTime();
            }
            reportSilentFollowers(info);
            if (System.nanoTime() - leaderSinceNanos < config.leaseGrace().toNanos()) {
                return;
            }
            long now = config.clock().millis();
            if (stateMachine.hasExpiredLeases(now)) {
                RaftClientReply reply = send(new Command.ExpireLeases());
                LOG.debug("Meta peer {} expired gateway leases at index {}", config.id(), reply.getLogIndex());
            }
            if (stateMachine.hasExpiredSessions(now)) {
                RaftClientReply reply = send(new Command.ExpireSessions());
                LOG.debug("Meta peer {} expired persistent sessions at index {}", config.id(), reply.getLogIndex());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("Meta peer {} failed to expire gateway leases or sessions: {}", config.id(), e.toString());
        }
    }

    /**
     * Ratis logs each failed append to a dead follower with a stack trace (quieted in
     * conf/logback.xml); this says it once per interval per follower instead.
     */
    private void reportSilentFollowers(DivisionInfo info) {
        var role = info.getRoleInfoProto();
        if (!role.hasLeaderInfo()) {
            return;
        }
        for (var follower : role.getLeaderInfo().getFollowerInfoList()) {
            long silentMillis = follower.getLastRpcElapsedTimeMs();
            if (silentMillis > SILENT_FOLLOWER_MILLIS) {
                String id = follower.getId().getId().toStringUtf8();
                silentFollowers.warn(id, "Meta leader {}: peer {} has not answered for {} s", config.id(), id,
                        silentMillis / 1000);
            }
        }
    }

    private RaftClientReply send(Command command) throws Exception {
        Message message = Message.valueOf(ByteString.copyFrom(MetaCodec.encodeRequest(command)));
        CompletableFuture<RaftClientReply> sent = reaperLocal == null ? reaperClient.async().send(message)
                : reaperLocal.sendRequestAsync(RaftClientRequest.newBuilder()
                        .setClientId(REAPER)
                        .setServerId(server.getId())
                        .setGroupId(MetaGroup.ID)
                        .setCallId(reaperCalls.incrementAndGet())
                        .setMessage(message)
                        .setType(RaftClientRequest.writeRequestType())
                        .build());
        RaftClientReply reply = sent.get(5, TimeUnit.SECONDS);
        if (!reply.isSuccess()) {
            throw reply.getException();
        }
        return reply;
    }

    public String id() {
        return config.id();
    }

    /**
     * Waits until this peer leads its group and serves (a group of one elects itself right after
     * start), so that the first calls of a client are not turned away and retried.
     *
     * @return whether it does within {@code timeout}
     */
    boolean awaitLeaderReady(Duration timeout) throws InterruptedException, IOException {
        RaftServer started;
        synchronized (this) {
            requireStarted();
            started = server;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            DivisionInfo info = started.getDivision(MetaGroup.ID).getInfo();
            if (info.isLeader() && info.isLeaderReady()) {
                return true;
            }
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(10);
        }
    }

    /**
     * A transport for a Raft client in this process that reaches this peer without its port,
     * completing replies on {@code replies}; only for a group of one (see {@link InProcessClientRpc}).
     */
    synchronized InProcessClientRpc inProcessTransport(Executor replies) {
        requireStarted();
        if (config.peers().size() != 1) {
            throw new IllegalStateException("meta peer " + config.id() + " is one of " + config.peers().size()
                    + "; an in-process transport reaches only a group of one");
        }
        return new InProcessClientRpc(server, replies);
    }

    public MetaServerConfig config() {
        return config;
    }

    /** The address the Raft endpoint is bound to. */
    public synchronized InetSocketAddress address() {
        requireStarted();
        return server.getServerRpc().getInetSocketAddress();
    }

    public synchronized boolean isLeader() {
        requireStarted();
        try {
            return server.getDivision(MetaGroup.ID).getInfo().isLeader();
        } catch (IOException e) {
            return false;
        }
    }

    /** False once this peer stopped serving the group, e.g. after it met a log entry it could not apply. */
    public synchronized boolean isRunning() {
        if (server == null) {
            return false;
        }
        try {
            return server.getDivision(MetaGroup.ID).getInfo().isAlive();
        } catch (IOException e) {
            return false;
        }
    }

    synchronized MetaStateMachine stateMachine() {
        requireStarted();
        return stateMachine;
    }

    synchronized RaftServer raftServer() {
        requireStarted();
        return server;
    }

    private void requireStarted() {
        if (server == null) {
            throw new IllegalStateException("meta peer " + config.id() + " is not started");
        }
    }

    /** Stops the peer and releases its port and data directory. */
    @Override
    public synchronized void close() {
        if (server == null) {
            return;
        }
        reaper.shutdownNow();
        if (reaperClient != null) {
            closeQuietly(reaperClient);
            reaperClient = null;
        }
        reaperLocal = null;
        closeQuietly(server);
        server = null;
        LOG.info("Meta peer {} stopped", config.id());
    }

    private void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            LOG.warn("Meta peer {}: error while closing {}: {}", config.id(), closeable.getClass().getSimpleName(),
                    e.toString());
        }
    }
}
