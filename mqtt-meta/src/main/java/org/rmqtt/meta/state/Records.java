package org.rmqtt.meta.state;

import org.rmqtt.meta.GatewayNode;
import org.rmqtt.meta.WillMessage;
import org.rmqtt.meta.codec.BinaryReader;
import org.rmqtt.meta.codec.BinaryWriter;
import org.rmqtt.meta.codec.MetaCodec;

/** The values stored under {@link Keys}; their layout is covered by {@link MetaStore#FORMAT_VERSION}. */
final class Records {

    /**
     * A live node. Layout: node, expiresAtMillis:i64, then leaseMillis:i64 (absent in records
     * written before it existed; read as {@link #DEFAULT_LEASE_MILLIS}).
     *
     * @param leaseMillis the lease its last heartbeat asked for: how long its filters outlive an expiry
     */
    record NodeRecord(GatewayNode node, long expiresAtMillis, long leaseMillis) {}

    static final long DEFAULT_LEASE_MILLIS = 30_000;

    record OwnerRecord(String nodeId, long epoch) {}

    record WillRecord(long epoch, WillMessage will) {}

    /**
     * A persistent session. Layout: expiryMillis:i64 expireAtMillis:i64 state:(length:i32 bytes).
     *
     * @param expiryMillis   how long it outlives a release, 0 = for ever
     * @param expireAtMillis when it ends, 0 while owned or when it never expires
     * @param state          as last saved, empty if never
     */
    record SessionRecord(long expiryMillis, long expireAtMillis, byte[] state) {}

    private Records() {
    }

    static byte[] node(NodeRecord record) {
        return MetaCodec.writeNode(new BinaryWriter(), record.node()).i64(record.expiresAtMillis())
                .i64(record.leaseMillis()).toByteArray();
    }

    static NodeRecord node(byte[] value) {
        BinaryReader in = new BinaryReader(value);
        GatewayNode node = MetaCodec.readNode(in);
        long expiresAt = in.i64();
        return new NodeRecord(node, expiresAt, in.hasRemaining() ? in.i64() : DEFAULT_LEASE_MILLIS);
    }

    static byte[] owner(OwnerRecord record) {
        return new BinaryWriter().str(record.nodeId()).i64(record.epoch()).toByteArray();
    }

    static OwnerRecord owner(byte[] value) {
        BinaryReader in = new BinaryReader(value);
        return new OwnerRecord(in.str(), in.i64());
    }

    static byte[] will(WillRecord record) {
        return MetaCodec.writeWill(new BinaryWriter().i64(record.epoch()), record.will()).toByteArray();
    }

    static WillRecord will(byte[] value) {
        BinaryReader in = new BinaryReader(value);
        return new WillRecord(in.i64(), MetaCodec.readWill(in));
    }

    static byte[] session(SessionRecord record) {
        return new BinaryWriter(20 + record.state().length).i64(record.expiryMillis()).i64(record.expireAtMillis())
                .bytes(record.state()).toByteArray();
    }

    static SessionRecord session(byte[] value) {
        BinaryReader in = new BinaryReader(value);
        SessionRecord record = new SessionRecord(in.i64(), in.i64(), in.bytes());
        in.expectEnd("session record");
        return record;
    }

    static byte[] count(int count) {
        return new BinaryWriter().i32(count).toByteArray();
    }

    static int count(byte[] value) {
        return value == null ? 0 : new BinaryReader(value).i32();
    }
}
