package org.rmqtt.meta.state;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.rmqtt.meta.codec.BinaryReader;
import org.rmqtt.meta.codec.ViewChange;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatchWithIndex;

/**
 * The writes of one log entry: reads see the entry's own earlier writes (the batch is indexed),
 * nothing reaches the database until the caller writes the batch, and the view changes the entry
 * makes are collected alongside.
 */
final class Transaction {

    private final RocksDB db;
    private final WriteBatchWithIndex batch;
    private final List<ViewChange> changes = new ArrayList<>();

    Transaction(RocksDB db, WriteBatchWithIndex batch) {
        this.db = db;
        this.batch = batch;
    }

    byte[] get(byte[] key) throws IOException {
        try (ReadOptions options = new ReadOptions()) {
            return batch.getFromBatchAndDB(db, options, key);
        } catch (RocksDBException e) {
            throw new IOException("RocksDB read failed: " + e.getMessage(), e);
        }
    }

    long getLong(byte[] key, long absent) throws IOException {
        byte[] value = get(key);
        return value == null ? absent : new BinaryReader(value).i64();
    }

    void put(byte[] key, byte[] value) throws IOException {
        try {
            batch.put(key, value);
        } catch (RocksDBException e) {
            throw new IOException("RocksDB batch put failed: " + e.getMessage(), e);
        }
    }

    void delete(byte[] key) throws IOException {
        try {
            batch.delete(key);
        } catch (RocksDBException e) {
            throw new IOException("RocksDB batch delete failed: " + e.getMessage(), e);
        }
    }

    /** The keys with {@code prefix}, as seen through the batch, collected first so the caller may write. */
    List<byte[][]> scan(byte[] prefix) {
        List<byte[][]> result = new ArrayList<>();
        try (Bounded base = Bounded.prefix(db, prefix); RocksIterator it = batch.newIteratorWithBase(base.iterator)) {
            for (it.seek(prefix); it.isValid() && Keys.startsWith(it.key(), prefix); it.next()) {
                result.add(new byte[][] {it.key(), it.value()});
            }
        }
        return result;
    }

    /** Up to {@code limit} keys from {@code from} (inclusive) to {@code to} (exclusive), as seen through the batch. */
    List<byte[][]> range(byte[] from, byte[] to, int limit) {
        List<byte[][]> result = new ArrayList<>();
        try (Bounded base = new Bounded(db, to); RocksIterator it = batch.newIteratorWithBase(base.iterator)) {
            for (it.seek(from); it.isValid() && result.size() < limit && Arrays.compareUnsigned(it.key(), to) < 0;
                    it.next()) {
                result.add(new byte[][] {it.key(), it.value()});
            }
        }
        return result;
    }

    void change(ViewChange change) {
        changes.add(change);
    }

    List<ViewChange> changes() {
        return changes;
    }
}
