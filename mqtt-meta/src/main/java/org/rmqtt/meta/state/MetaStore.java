package org.rmqtt.meta.state;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.rmqtt.common.topic.Topics;
import org.rmqtt.meta.RetainedMessage;
import org.rmqtt.meta.SessionSummary;
import org.rmqtt.meta.StoredSession;
import org.rmqtt.meta.Subscription;
import org.rmqtt.meta.codec.BinaryReader;
import org.rmqtt.meta.codec.BinaryWriter;
import org.rmqtt.meta.codec.CodecException;
import org.rmqtt.meta.codec.Command;
import org.rmqtt.meta.codec.MetaCodec;
import org.rmqtt.meta.codec.ViewChange;
import org.rmqtt.meta.codec.ViewDelta;
import org.rmqtt.meta.codec.ViewPage;
import org.rocksdb.Checkpoint;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatchWithIndex;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The meta state, kept in one RocksDB: the plain domain object behind the Raft state machine. It
 * knows nothing of Raft beyond "apply this command as log entry (term, index) at this time".
 *
 * <p>Each {@link #apply} is one atomic RocksDB write batch that also records the applied
 * (term, index), so after a crash the store is exactly at some applied index and entries at or
 * below it are skipped when the log is replayed. Writes skip fsync: the Raft log is the durable
 * record, replayed from the last snapshot, and snapshots are checkpoints whose files are synced.
 *
 * <p>Writes must come from one thread (the state machine's applier); reads may run concurrently.
 */
public final class MetaStore implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MetaStore.class);

    /** Version of the key and value layout in RocksDB; a store of another version is refused. */
    public static final int FORMAT_VERSION = 1;
    static final int VIEW_LOG_CAPACITY = 100_000;
    static final int MAX_DELTA_CHANGES = 10_000;

    static {
        RocksDB.loadLibrary();
    }

    private final Path dir;
    private final Options options;
    private final WriteOptions writeOptions;
    private final RocksDB db;
    private final ViewLog viewLog;
    private volatile long appliedTerm;
    private volatile long appliedIndex;

    private MetaStore(Path dir, Options options, RocksDB db) throws RocksDBException {
        this.dir = dir;
        this.options = options;
        this.db = db;
        this.writeOptions = new WriteOptions();
        byte[] applied = db.get(Keys.APPLIED);
        if (applied != null) {
            BinaryReader in = new BinaryReader(applied);
            appliedTerm = in.i64();
            appliedIndex = in.i64();
        } else {
            appliedTerm = 0;
            appliedIndex = -1;
        }
        this.viewLog = new ViewLog(VIEW_LOG_CAPACITY, appliedIndex);
    }

    /**
     * Opens the store in {@code dir}, creating an empty one if the directory holds none.
     *
     * @throws IOException if the directory holds data this build cannot read: corrupt RocksDB
     *     files, something that is not a meta store, or another format version
     */
    public static MetaStore open(Path dir) throws IOException {
        boolean fresh = !Files.exists(dir.resolve("CURRENT"));
        Files.createDirectories(dir);
        Options options = new Options().setCreateIfMissing(fresh).setParanoidChecks(true);
        RocksDB db = null;
        try {
            db = RocksDB.open(options, dir.toString());
            checkFormat(dir, db, fresh);
            MetaStore store = new MetaStore(dir, options, db);
            LOG.info("Opened meta store {} at applied index {}", dir, store.appliedIndex);
            return store;
        } catch (RocksDBException | CodecException e) {
            if (db != null) {
                db.close();
            }
            options.close();
            throw new IOException("Cannot open the meta store in " + dir + ": " + e.getMessage()
                    + ". The data is corrupt or not a meta store; this peer will not serve it."
                    + " Restore the directory, or delete this peer's data dir so it rejoins by snapshot.", e);
        } catch (IOException e) {
            db.close();
            options.close();
            throw e;
        }
    }

    private static void checkFormat(Path dir, RocksDB db, boolean fresh) throws RocksDBException, IOException {
        byte[] format = db.get(Keys.FORMAT);
        if (format == null && fresh) {
            try (WriteOptions sync = new WriteOptions().setSync(true)) {
                db.put(sync, Keys.FORMAT, new BinaryWriter().i32(FORMAT_VERSION).toByteArray());
            }
            return;
        }
        if (format == null) {
            throw new IOException("The meta store in " + dir + " has no format marker: it is not a meta store"
                    + " or it is damaged; this peer will not serve it");
        }
        int version = new BinaryReader(format).i32();
        if (version != FORMAT_VERSION) {
            throw new IOException("The meta store in " + dir + " has format version " + version
                    + "; this build reads version " + FORMAT_VERSION + ". Run a build that reads it.");
        }
    }

    public Path dir() {
        return dir;
    }

    public long appliedIndex() {
        return appliedIndex;
    }

    public long appliedTerm() {
        return appliedTerm;
    }

    // ---- writes ----

    /**
     * Applies {@code command}, the log entry at (term, index) stamped with the leader's
     * {@code timeMillis}, and records the index in the same atomic batch.
     *
     * @return the command's result: null, a {@link org.rmqtt.meta.SessionClaim}, a Boolean, a
     *     list of {@link org.rmqtt.meta.WillMessage}, or for a {@link Command.Batch} the list of
     *     its commands' results in order (the whole batch is one atomic write)
     * @throws IOException if RocksDB fails; the caller must stop applying
     */
    public Object apply(long term, long index, long timeMillis, Command command) throws IOException {
        if (index <= appliedIndex) {
            throw new IllegalStateException("entry " + index + " is at or below the applied index " + appliedIndex);
        }
        try (WriteBatchWithIndex batch = new WriteBatchWithIndex(true)) {
            Transaction tx = new Transaction(db, batch);
            // Leader clocks may differ; time in the state never goes back, so leases stay ordered.
            long previousClock = tx.getLong(Keys.CLOCK, Long.MIN_VALUE);
            long now = Math.max(timeMillis, previousClock);
            tx.put(Keys.CLOCK, new BinaryWriter().i64(now).toByteArray());
            Object result = new Commands(tx, now).apply(command);
            tx.put(Keys.APPLIED, new BinaryWriter().i64(term).i64(index).toByteArray());
            db.write(writeOptions, batch);
            appliedTerm = term;
            appliedIndex = index;
            if (!tx.changes().isEmpty()) {
                viewLog.add(index, tx.changes());
            }
            return result;
        } catch (RocksDBException e) {
            throw new IOException("RocksDB write failed at index " + index + ": " + e.getMessage(), e);
        }
    }

    /**
     * Records (term, index) as applied without a state change: entries that carry no command
     * (configuration, no-op) advance the index too, and a snapshot must name its exact index.
     */
    public void markApplied(long term, long index) throws IOException {
        if (index <= appliedIndex) {
            return;
        }
        try {
            db.put(writeOptions, Keys.APPLIED, new BinaryWriter().i64(term).i64(index).toByteArray());
            appliedTerm = term;
            appliedIndex = index;
        } catch (RocksDBException e) {
            throw new IOException("RocksDB write failed at index " + index + ": " + e.getMessage(), e);
        }
    }

    /** Writes a consistent copy of the store to {@code target}, which must not exist; flushes first. */
    public void checkpoint(Path target) throws IOException {
        try (Checkpoint checkpoint = Checkpoint.create(db)) {
            checkpoint.createCheckpoint(target.toString());
        } catch (RocksDBException e) {
            throw new IOException("RocksDB checkpoint to " + target + " failed: " + e.getMessage(), e);
        }
    }

    // ---- reads ----

    /** The view changes after {@code since}; see {@link ViewLog#since}. */
    public ViewDelta viewChanges(long since) {
        return viewLog.since(since, appliedIndex, MAX_DELTA_CHANGES);
    }

    /** One page of the mirrored part of the state, as "set" changes, after {@code cursor}. */
    public ViewPage viewPage(byte[] cursor, int limit) {
        long applied = appliedIndex;
        List<ViewChange> entries = new ArrayList<>();
        byte[] last = null;
        try (Bounded bounded = new Bounded(db, new byte[] {Keys.VIEW_END})) {
            RocksIterator it = bounded.iterator;
            if (cursor == null) {
                it.seek(Keys.prefix(Keys.NODE));
            } else {
                it.seek(cursor);
                if (it.isValid() && Arrays.equals(it.key(), cursor)) {
                    it.next();
                }
            }
            for (; it.isValid() && it.key()[0] < Keys.VIEW_END; it.next()) {
                if (entries.size() >= limit) {
                    return new ViewPage(applied, entries, last);
                }
                byte[] key = it.key();
                entries.add(switch (key[0]) {
                    case Keys.NODE -> new ViewChange.NodeUp(Records.node(it.value()).node());
                    case Keys.NODE_FILTER -> {
                        String[] parts = Keys.parts(key);
                        yield new ViewChange.FilterHeld(parts[1], parts[0]);
                    }
                    default -> new ViewChange.FilterHeld(Keys.first(key), null);
                });
                last = key;
            }
        }
        return new ViewPage(applied, entries, null);
    }

    /** The subscriptions of a persistent session, sorted by filter. */
    public List<Subscription> subscriptions(String clientId) {
        List<Subscription> result = new ArrayList<>();
        byte[] prefix = Keys.prefix(Keys.SUBSCRIPTION, clientId);
        scan(prefix, (key, value) -> result.add(new Subscription(Keys.parts(key)[1], value[0])));
        return result;
    }

    /**
     * The persistent session of {@code clientId}: its record, or subscriptions kept without one
     * (by a build that had no session records).
     */
    public Optional<StoredSession> session(String clientId) throws IOException {
        byte[] value = get(Keys.key(Keys.SESSION, clientId));
        List<Subscription> subscriptions = subscriptions(clientId);
        if (value == null && subscriptions.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new StoredSession(subscriptions, value == null ? new byte[0] : Records.session(value).state()));
    }

    /**
     * At most {@code limit} persistent sessions whose client id starts with {@code prefix}, sorted
     * by client id, with their owner and subscriptions (admin API).
     */
    public List<SessionSummary> sessions(String prefix, int limit) throws IOException {
        List<SessionSummary> result = new ArrayList<>();
        byte[] start = Keys.key(Keys.SESSION, prefix);
        try (Bounded bounded = Bounded.prefix(db, start)) {
            RocksIterator it = bounded.iterator;
            for (it.seek(start); it.isValid() && Keys.startsWith(it.key(), start) && result.size() < limit; it.next()) {
                String clientId = Keys.first(it.key());
                Records.SessionRecord record = Records.session(it.value());
                byte[] owner = get(Keys.key(Keys.OWNER, clientId));
                result.add(new SessionSummary(clientId, owner == null ? null : Records.owner(owner).nodeId(),
                        subscriptions(clientId), record.expiryMillis(), record.expireAtMillis()));
            }
        }
        return result;
    }

    /** The retained messages whose topic matches {@code filter}, sorted by topic. */
    public List<RetainedMessage> retained(String filter) throws IOException {
        if (!Topics.isWildcard(filter)) {
            byte[] value = get(Keys.key(Keys.RETAINED, filter));
            return value == null ? List.of() : List.of(MetaCodec.readRetained(new BinaryReader(value)));
        }
        List<RetainedMessage> result = new ArrayList<>();
        // Every matching topic starts with the filter's literal part; scan only that range.
        scan(Keys.key(Keys.RETAINED, literalPrefix(filter)), (key, value) -> {
            String topic = Keys.first(key);
            if (Topics.matches(filter, topic)) {
                result.add(MetaCodec.readRetained(new BinaryReader(value)));
            }
        });
        return result;
    }

    /** The text before the first wildcard level, without a '/' that "a/#" needs not (it matches "a"). */
    static String literalPrefix(String filter) {
        int plus = filter.indexOf('+');
        int hash = filter.indexOf('#');
        int end = plus < 0 ? hash : hash < 0 ? plus : Math.min(plus, hash);
        if (end < 0) {
            return filter;
        }
        return end > 0 && filter.charAt(end) == '#' ? filter.substring(0, end - 1) : filter.substring(0, end);
    }

    /** True if some node's lease ended at or before {@code nowMillis}: worth an expiry entry. */
    public boolean hasExpiredLeases(long nowMillis) {
        boolean[] found = {false};
        scan(Keys.prefix(Keys.NODE), (key, value) -> found[0] |= Records.node(value).expiresAtMillis() <= nowMillis);
        scan(Keys.prefix(Keys.FILTER_GRACE), (key, value) -> found[0] |= new BinaryReader(value).i64() <= nowMillis);
        return found[0];
    }

    /** True if an unowned persistent session's expiry time is at or before {@code nowMillis}: one seek. */
    public boolean hasExpiredSessions(long nowMillis) {
        byte[] prefix = Keys.prefix(Keys.SESSION_EXPIRY);
        try (Bounded bounded = Bounded.prefix(db, prefix)) {
            RocksIterator it = bounded.iterator;
            it.seek(prefix);
            return it.isValid() && it.key()[0] == Keys.SESSION_EXPIRY && Keys.expiryTime(it.key()) <= nowMillis;
        }
    }

    private byte[] get(byte[] key) throws IOException {
        try {
            return db.get(key);
        } catch (RocksDBException e) {
            throw new IOException("RocksDB read failed: " + e.getMessage(), e);
        }
    }

    interface Visitor {
        void visit(byte[] key, byte[] value);
    }

    private void scan(byte[] prefix, Visitor visitor) {
        try (Bounded bounded = Bounded.prefix(db, prefix)) {
            RocksIterator it = bounded.iterator;
            for (it.seek(prefix); it.isValid() && Keys.startsWith(it.key(), prefix); it.next()) {
                visitor.visit(it.key(), it.value());
            }
        }
    }

    @Override
    public void close() {
        db.close();
        writeOptions.close();
        options.close();
        LOG.info("Closed meta store {} at applied index {}", dir, appliedIndex);
    }
}
