package org.rmqtt.meta.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;
import org.rmqtt.meta.SessionClaim;
import org.rmqtt.meta.WillMessage;
import org.rmqtt.meta.codec.CodecException;
import org.rmqtt.meta.codec.Command;
import org.rmqtt.meta.codec.MetaCodec;
import org.rmqtt.meta.codec.Query;
import org.rmqtt.meta.state.MetaStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Raft state machine of the meta group: a thin adapter that decodes commands and queries and
 * hands them to {@link MetaStore}. Snapshots are RocksDB checkpoints ({@link SnapshotStore}).
 *
 * <p>The lock pairs the applied index with the state: entries are applied, and the store swapped
 * on snapshot install, under the write lock; queries and snapshots run under the read lock.
 *
 * <p>Bad data stops the peer: an entry that does not decode or cannot be written is thrown out of
 * {@link #applyTransaction}, which makes Ratis stop this server rather than let it diverge, and
 * a store or snapshot it cannot read fails {@link #initialize}. A bad client request is rejected
 * on the leader before it reaches the log.
 */
final class MetaStateMachine extends BaseStateMachine {

    private static final Logger LOG = LoggerFactory.getLogger(MetaStateMachine.class);
    static final int MAX_DUMP_PAGE = 10_000;

    private final SnapshotStore storage = new SnapshotStore();
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Clock clock;
    private final AtomicInteger snapshotInstalls = new AtomicInteger();
    private volatile MetaStore store;

    MetaStateMachine(Clock clock) {
        this.clock = clock;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        getLifeCycle().startAndTransition(() -> {
            super.initialize(server, groupId, raftStorage);
            storage.init(raftStorage);
            store = openStore();
            setLastAppliedTermIndex(appliedOf(store));
        }, IOException.class);
    }

    private static TermIndex appliedOf(MetaStore store) {
        return store.appliedIndex() < 0 ? TermIndex.INITIAL_VALUE
                : TermIndex.valueOf(store.appliedTerm(), store.appliedIndex());
    }

    /** The live store, unless a newer snapshot arrived that it has not caught up with. */
    private MetaStore openStore() throws IOException {
        SnapshotInfo snapshot = storage.getLatestSnapshot();
        Path live = storage.liveDbDir();
        if (Files.exists(live)) {
            MetaStore opened = MetaStore.open(live);
            if (snapshot == null || opened.appliedIndex() >= snapshot.getIndex()) {
                return opened;
            }
            LOG.info("Meta store at index {} is behind snapshot {}; restoring the snapshot",
                    opened.appliedIndex(), snapshot.getTermIndex());
            opened.close();
        }
        return snapshot == null ? MetaStore.open(live) : restore(snapshot);
    }

    /** Replaces the live store with a copy of {@code snapshot}'s checkpoint. */
    private MetaStore restore(SnapshotInfo snapshot) throws IOException {
        Path live = storage.liveDbDir();
        Path staging = live.resolveSibling("db.restore");
        SnapshotStore.deleteRecursively(staging);
        Files.createDirectories(staging);
        Path source = storage.snapshotPath(snapshot.getTermIndex());
        for (Path file : SnapshotStore.snapshotFiles(source)) {
            Files.copy(file, staging.resolve(file.getFileName()));
        }
        SnapshotStore.deleteRecursively(live);
        Files.move(staging, live, StandardCopyOption.ATOMIC_MOVE);
        MetaStore restored = MetaStore.open(live);
        if (restored.appliedIndex() != snapshot.getIndex()) {
            restored.close();
            throw new IOException("Meta snapshot " + source + " holds state at index " + restored.appliedIndex()
                    + ", not " + snapshot.getIndex() + " as named; the snapshot is damaged");
        }
        LOG.info("Restored meta store from snapshot {}", snapshot.getTermIndex());
        return restored;
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return storage;
    }

    // ---- writes ----

    /** On the leader: check the request and stamp the leader's clock into the log entry. */
    @Override
    public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
        TransactionContext.Builder builder = TransactionContext.newBuilder()
                .setStateMachine(this)
                .setClientRequest(request);
        try {
            Command command = MetaCodec.decodeRequest(request.getMessage().getContent().toByteArray());
            builder.setLogData(ByteString.copyFrom(MetaCodec.encodeLogEntry(clock.millis(), command)));
            return builder.build();
        } catch (CodecException e) {
            LOG.warn("Rejected meta request from {}: {}", request.getClientId(), e.getMessage());
            TransactionContext rejected = builder.build();
            rejected.setException(e);
            return rejected;
        }
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        long index = entry.getIndex();
        lock.writeLock().lock();
        try {
            if (index <= store.appliedIndex()) {
                // Replayed after a restart: already in the store, applied atomically with its index.
                advanceLastApplied(entry.getTerm(), index);
                return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(MetaCodec.encodeUnit())));
            }
            MetaCodec.LogEntry logEntry = MetaCodec.decodeLogEntry(
                    entry.getStateMachineLogEntry().getLogData().toByteArray());
            Object result = store.apply(entry.getTerm(), index, logEntry.timeMillis(), logEntry.command());
            updateLastAppliedTermIndex(entry.getTerm(), index);
            if (LOG.isDebugEnabled()) {
                LOG.debug("{}: applied {} at index {}", getId(), describe(logEntry.command()), index);
            }
            return CompletableFuture.completedFuture(
                    Message.valueOf(ByteString.copyFrom(encodeResult(logEntry.command(), result))));
        } catch (IOException | RuntimeException e) {
            // Thrown, not returned as a failed future: Ratis then stops this peer instead of
            // advancing past an entry it could not apply.
            throw new IllegalStateException("Meta peer " + getId() + " cannot apply log entry " + index
                    + " and stops: " + e.getMessage(), e);
        } finally {
            lock.writeLock().unlock();
        }
    }

    static byte[] encodeResult(Command command, Object result) {
        if (command instanceof Command.Batch batch) {
            List<?> results = (List<?>) result;
            List<byte[]> replies = new ArrayList<>(results.size());
            for (int i = 0; i < results.size(); i++) {
                replies.add(encodeResult(batch.commands().get(i), results.get(i)));
            }
            return MetaCodec.encodeBatchReply(replies);
        }
        if (command instanceof Command.ClaimSession) {
            return MetaCodec.encodeClaim((SessionClaim) result);
        }
        if (command instanceof Command.ReleaseSession || command instanceof Command.ClearWill
                || command instanceof Command.SaveSession || command instanceof Command.ReclaimSession
                || command instanceof Command.Retain) {
            return MetaCodec.encodeBoolean((Boolean) result);
        }
        if (command instanceof Command.TakeWills) {
            @SuppressWarnings("unchecked")
            List<WillMessage> wills = (List<WillMessage>) result;
            return MetaCodec.encodeWills(wills);
        }
        return MetaCodec.encodeUnit();
    }

    private static String describe(Command command) {
        return command instanceof Command.Batch b ? "a batch of " + b.commands().size() + " commands" : command.toString();
    }

    /** Entries without a command (configuration, no-op) advance the applied index too. */
    @Override
    public void notifyTermIndexUpdated(long term, long index) {
        lock.writeLock().lock();
        try {
            advanceLastApplied(term, index);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Ratis replays the log from the last snapshot, but the store may already be further: only
     * move forward (Ratis asserts the applied index never goes back).
     */
    private void advanceLastApplied(long term, long index) {
        TermIndex current = getLastAppliedTermIndex();
        if (current == null || index > current.getIndex()) {
            updateLastAppliedTermIndex(term, index);
        }
    }

    // ---- reads ----

    @Override
    public CompletableFuture<Message> query(Message request) {
        lock.readLock().lock();
        try {
            Query query = MetaCodec.decodeQuery(request.getContent().toByteArray());
            byte[] reply;
            if (query instanceof Query.ViewChanges q) {
                reply = MetaCodec.encodeViewDelta(store.viewChanges(q.sinceIndex()));
            } else if (query instanceof Query.ViewDump q) {
                reply = MetaCodec.encodeViewPage(store.viewPage(q.cursor(), Math.min(Math.max(q.limit(), 1), MAX_DUMP_PAGE)));
            } else if (query instanceof Query.Subscriptions q) {
                reply = MetaCodec.encodeSubscriptions(store.subscriptions(q.clientId()));
            } else if (query instanceof Query.Session q) {
                reply = MetaCodec.encodeSession(store.session(q.clientId()));
            } else if (query instanceof Query.Sessions q) {
                reply = MetaCodec.encodeSessionSummaries(store.sessions(q.prefix(), Math.min(Math.max(q.limit(), 1),
                        MAX_DUMP_PAGE)));
            } else {
                reply = MetaCodec.encodeRetained(store.retained(((Query.Retained) query).filter()));
            }
            return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(reply)));
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Every change, on every peer, at INFO: who leads is the first question in an outage. */
    @Override
    public void notifyLeaderChanged(org.apache.ratis.protocol.RaftGroupMemberId member,
                                    org.apache.ratis.protocol.RaftPeerId newLeaderId) {
        LOG.info("Meta peer {}: the meta leader is now {}", member.getPeerId(),
                newLeaderId == null ? "unknown (election under way)" : newLeaderId);
    }

    /** For the lease reaper on the leader: whether an expiry entry would drop anything. */
    boolean hasExpiredLeases(long nowMillis) {
        lock.readLock().lock();
        try {
            return store.hasExpiredLeases(nowMillis);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** For the reaper on the leader: whether an unowned persistent session is due to end. */
    boolean hasExpiredSessions(long nowMillis) {
        lock.readLock().lock();
        try {
            return store.hasExpiredSessions(nowMillis);
        } finally {
            lock.readLock().unlock();
        }
    }

    // ---- snapshots ----

    /** A checkpoint of the store at the applied index. Failures throw: Ratis must not purge the log. */
    @Override
    public long takeSnapshot() throws IOException {
        lock.writeLock().lock();
        try {
            TermIndex applied = getLastAppliedTermIndex();
            if (applied == null || applied.getIndex() < 0) {
                return RaftLog.INVALID_LOG_INDEX;
            }
            SnapshotInfo latest = storage.getLatestSnapshot();
            if (latest != null && latest.getIndex() >= applied.getIndex()) {
                return latest.getIndex();
            }
            // The checkpoint must say exactly which index it holds, even if the last entries had no command.
            store.markApplied(applied.getTerm(), applied.getIndex());
            Path target = storage.snapshotPath(applied);
            Path staging = target.resolveSibling(target.getFileName() + ".tmp");
            SnapshotStore.deleteRecursively(staging);
            store.checkpoint(staging);
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            storage.refresh();
            LOG.info("{}: took meta snapshot {}", getId(), applied);
            return applied.getIndex();
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public synchronized void pause() {
        if (getLifeCycleState() == LifeCycle.State.RUNNING) {
            getLifeCycle().transition(LifeCycle.State.PAUSING);
            getLifeCycle().transition(LifeCycle.State.PAUSED);
        }
    }

    /** After Ratis installed a snapshot from the leader: restore the store from it. */
    @Override
    public synchronized void reinitialize() throws IOException {
        lock.writeLock().lock();
        try {
            storage.refresh();
            SnapshotInfo snapshot = storage.getLatestSnapshot();
            if (snapshot == null) {
                throw new IOException("Meta peer " + getId() + " was asked to reload but has no snapshot");
            }
            store.close();
            store = restore(snapshot);
            setLastAppliedTermIndex(snapshot.getTermIndex());
            snapshotInstalls.incrementAndGet();
            LOG.info("{}: installed meta snapshot {} from the leader", getId(), snapshot.getTermIndex());
        } finally {
            lock.writeLock().unlock();
        }
        if (getLifeCycleState() == LifeCycle.State.PAUSED) {
            getLifeCycle().transition(LifeCycle.State.STARTING);
            getLifeCycle().transition(LifeCycle.State.RUNNING);
        }
    }

    /** How many snapshots this peer installed from a leader since it started. */
    int snapshotInstalls() {
        return snapshotInstalls.get();
    }

    /** The domain state, for diagnostics and tests in this package. */
    MetaStore store() {
        return store;
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            MetaStore current = store;
            if (current != null) {
                current.close();
                store = null;
            }
        } finally {
            lock.writeLock().unlock();
        }
        getLifeCycle().checkStateAndClose(() -> { });
    }
}
