package org.rmqtt.gateway.session;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What a persistent session keeps between connections besides its subscriptions: where each
 * subscription has read up to, the deliveries the client has not finished, and the QoS 2
 * messages from the client stored but not yet released. Meta stores it as opaque bytes; this
 * class owns the versioned encoding.
 *
 * @param complete     true when saved as the connection ended (or was handed over): nothing was
 *                     delivered after it. False for a periodic checkpoint, after which messages
 *                     may have gone out that it does not record; they are resent with DUP=1.
 * @param nextPacketId the next packet identifier to try
 * @param positions    per subscription and broker, the first LMQ offset not yet sent
 * @param unacked      deliveries in flight, in the order they were sent
 * @param releasePending packet ids of QoS 2 messages from the client that were stored and
 *                     acknowledged with PUBREC, awaiting PUBREL
 */
public record SessionState(boolean complete, int nextPacketId, List<Position> positions, List<Unacked> unacked,
                           List<Integer> releasePending) {

    private static final int VERSION = 1;

    public static final SessionState EMPTY = new SessionState(true, 1, List.of(), List.of(), List.of());

    public SessionState {
        positions = List.copyOf(positions);
        unacked = List.copyOf(unacked);
        releasePending = List.copyOf(releasePending);
    }

    /** Read position of one subscription in its LMQ on one broker. */
    public record Position(String filter, String broker, long offset) {}

    /**
     * A delivery the client has not finished.
     *
     * @param released QoS 2 only: PUBREC came and PUBREL was sent; the message is not sent again
     */
    public record Unacked(int packetId, String filter, String broker, long offset, int qos, boolean released) {}

    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + 48 * (positions.size() + unacked.size()));
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeBoolean(complete);
            out.writeShort(nextPacketId);
            out.writeInt(positions.size());
            for (Position p : positions) {
                out.writeUTF(p.filter());
                out.writeUTF(p.broker());
                out.writeLong(p.offset());
            }
            out.writeInt(unacked.size());
            for (Unacked u : unacked) {
                out.writeShort(u.packetId());
                out.writeUTF(u.filter());
                out.writeUTF(u.broker());
                out.writeLong(u.offset());
                out.writeByte(u.qos());
                out.writeBoolean(u.released());
            }
            out.writeInt(releasePending.size());
            for (int id : releasePending) {
                out.writeShort(id);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * Decodes {@code data}; an empty array is a session that never saved any state.
     *
     * @throws IllegalArgumentException if the data is not a session state this build reads
     */
    public static SessionState decode(byte[] data) {
        if (data.length == 0) {
            return EMPTY;
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            int version = in.readUnsignedByte();
            if (version != VERSION) {
                throw new IllegalArgumentException("session state version " + version + ", this build reads " + VERSION);
            }
            boolean complete = in.readBoolean();
            int nextPacketId = in.readUnsignedShort();
            List<Position> positions = new ArrayList<>();
            for (int i = count(in, data.length); i > 0; i--) {
                positions.add(new Position(in.readUTF(), in.readUTF(), in.readLong()));
            }
            List<Unacked> unacked = new ArrayList<>();
            for (int i = count(in, data.length); i > 0; i--) {
                int packetId = in.readUnsignedShort();
                unacked.add(new Unacked(packetId, in.readUTF(), in.readUTF(), in.readLong(), qos(in.readUnsignedByte()), in.readBoolean()));
            }
            List<Integer> releasePending = new ArrayList<>();
            for (int i = count(in, data.length); i > 0; i--) {
                releasePending.add(in.readUnsignedShort());
            }
            if (in.available() > 0) {
                throw new IllegalArgumentException(in.available() + " bytes left over");
            }
            return new SessionState(complete, Math.max(1, nextPacketId), positions, unacked, releasePending);
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated session state: " + e.getMessage(), e);
        }
    }

    private static int count(DataInputStream in, int limit) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > limit) {
            throw new IllegalArgumentException("bad element count " + n);
        }
        return n;
    }

    private static int qos(int qos) {
        if (qos != 1 && qos != 2) {
            throw new IllegalArgumentException("unacknowledged delivery with QoS " + qos);
        }
        return qos;
    }
}
