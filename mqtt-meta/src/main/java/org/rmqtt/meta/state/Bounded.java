package org.rmqtt.meta.state;

import java.util.Arrays;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;

/**
 * A RocksDB iterator that stops at an upper bound. Without one, a seek into a key range with no
 * live keys walks on over every deleted key after it: session claims and releases leave many
 * tombstones, and each unbounded scan paid for all of them (a clean claim after a few thousand
 * disconnects took milliseconds, and a storm of them stalled the state machine for seconds).
 */
final class Bounded implements AutoCloseable {
    private final Slice bound;
    private final ReadOptions options;
    final RocksIterator iterator;

    Bounded(RocksDB db, byte[] upperBound) {
        this.bound = new Slice(upperBound);
        this.options = new ReadOptions().setIterateUpperBound(bound);
        this.iterator = db.newIterator(options);
    }

    /** An iterator over the keys that start with {@code prefix}. */
    static Bounded prefix(RocksDB db, byte[] prefix) {
        return new Bounded(db, end(prefix));
    }

    /** The first key after every key that starts with {@code prefix}. */
    static byte[] end(byte[] prefix) {
        byte[] end = prefix.clone();
        for (int i = end.length - 1; i >= 0; i--) {
            if (end[i] != (byte) 0xFF) {
                end[i]++;
                return Arrays.copyOf(end, i + 1);
            }
        }
        throw new IllegalArgumentException("no key follows a prefix of 0xFF bytes"); // key kinds are < 0x30
    }

    @Override
    public void close() {
        iterator.close();
        options.close();
        bound.close();
    }
}
