package org.rmqtt.meta.state;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.rmqtt.meta.codec.CodecException;

/**
 * The key layout of the meta store in RocksDB: one prefix byte per kind of record, then UTF-8
 * strings separated by 0x00 (ids, topics and filters never contain U+0000). Records the clients
 * mirror (nodes and filter holders) sit in one contiguous prefix range, so a view dump is one scan.
 */
final class Keys {

    static final byte META = 0x01;
    /** nodeId → node, lease expiry. */
    static final byte NODE = 0x10;
    /** nodeId 0 filter → (empty): the node holds the filter. */
    static final byte NODE_FILTER = 0x11;
    /** filter → number of persistent sessions subscribed to it. */
    static final byte SESSION_FILTER = 0x12;
    /** First prefix past the mirrored range. */
    static final byte VIEW_END = 0x13;
    /** clientId → owner node, epoch. */
    static final byte OWNER = 0x20;
    /** clientId 0 filter → QoS of a persistent session's subscription. */
    static final byte SUBSCRIPTION = 0x21;
    /** topic → retained message. */
    static final byte RETAINED = 0x22;
    /** nodeId 0 clientId → epoch, will. */
    static final byte WILL = 0x23;
    /** clientId → persistent session record: expiry, expiry time, saved state. */
    static final byte SESSION = 0x24;
    /** nodeId 0 clientId → (empty): the node owns the client's session (index of {@link #OWNER}). */
    static final byte NODE_SESSION = 0x25;
    /** expireAt:u64 big-endian, clientId → (empty): an unowned persistent session ends then. */
    static final byte SESSION_EXPIRY = 0x26;
    /**
     * nodeId → dropAt:i64: the node's lease expired, its filters stay in use until then (or until
     * it heartbeats again), so a paused gateway that comes back has lost no dispatch in between.
     */
    static final byte FILTER_GRACE = 0x27;

    static final byte[] FORMAT = {META, 1};
    static final byte[] APPLIED = {META, 2};
    static final byte[] LAST_EPOCH = {META, 3};
    static final byte[] CLOCK = {META, 4};
    /** How many topics hold a retained message (absent: none, or a store written before it was counted). */
    static final byte[] RETAINED_COUNT = {META, 5};

    private Keys() {
    }

    static byte[] key(byte prefix, String a) {
        byte[] first = a.getBytes(StandardCharsets.UTF_8);
        byte[] key = new byte[1 + first.length];
        key[0] = prefix;
        System.arraycopy(first, 0, key, 1, first.length);
        return key;
    }

    static byte[] key(byte prefix, String a, String b) {
        byte[] first = a.getBytes(StandardCharsets.UTF_8);
        byte[] second = b.getBytes(StandardCharsets.UTF_8);
        byte[] key = new byte[2 + first.length + second.length];
        key[0] = prefix;
        System.arraycopy(first, 0, key, 1, first.length);
        System.arraycopy(second, 0, key, 2 + first.length, second.length);
        return key;
    }

    /** An expiry index key: sorts by time first (times are non-negative, so signed and unsigned order agree). */
    static byte[] expiryKey(long expireAtMillis, String clientId) {
        byte[] id = clientId.getBytes(StandardCharsets.UTF_8);
        byte[] key = new byte[9 + id.length];
        key[0] = SESSION_EXPIRY;
        for (int i = 0; i < 8; i++) {
            key[1 + i] = (byte) (expireAtMillis >>> (56 - 8 * i));
        }
        System.arraycopy(id, 0, key, 9, id.length);
        return key;
    }

    /** The first key past every expiry key with a time at or before {@code millis}. */
    static byte[] expiryBound(long millis) {
        return expiryKey(millis == Long.MAX_VALUE ? millis : millis + 1, "");
    }

    static long expiryTime(byte[] key) {
        long value = 0;
        for (int i = 1; i < 9; i++) {
            value = (value << 8) | (key[i] & 0xFF);
        }
        return value;
    }

    static String expiryClient(byte[] key) {
        return new String(key, 9, key.length - 9, StandardCharsets.UTF_8);
    }

    /** The prefix of every two-part key whose first part is {@code a}. */
    static byte[] prefix(byte prefix, String a) {
        return key(prefix, a, "");
    }

    static byte[] prefix(byte prefix) {
        return new byte[] {prefix};
    }

    static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    /** The single string of a one-part key. */
    static String first(byte[] key) {
        return new String(key, 1, key.length - 1, StandardCharsets.UTF_8);
    }

    /** The two strings of a two-part key. */
    static String[] parts(byte[] key) {
        for (int i = 1; i < key.length; i++) {
            if (key[i] == 0) {
                return new String[] {
                    new String(key, 1, i - 1, StandardCharsets.UTF_8),
                    new String(key, i + 1, key.length - i - 1, StandardCharsets.UTF_8)
                };
            }
        }
        throw new CodecException("meta store key of kind " + key[0] + " has no separator");
    }
}
