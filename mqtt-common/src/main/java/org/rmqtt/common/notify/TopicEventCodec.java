package org.rmqtt.common.notify;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Wire form of a batch of {@link TopicEvent}s sent from a notifier to a gateway. A version byte
 * comes first so that a rolling upgrade can tell old from new peers: a batch without inline
 * messages is written as version 1, which every release reads; version 2 adds, after each event's
 * offsets, a flag byte and, if set, the message (QoS, RETAIN, payload).
 */
public final class TopicEventCodec {
    static final byte VERSION = 1;
    /** Version 1 plus inline messages. */
    static final byte VERSION_INLINE = 2;
    private static final int MAX_EVENTS = 1 << 20;
    /** More than an MQTT payload may be; a larger length is a malformed body. */
    private static final int MAX_INLINE_BYTES = 256 * 1024 * 1024;

    private TopicEventCodec() {
    }

    public static byte[] encode(List<TopicEvent> events) {
        boolean inline = events.stream().anyMatch(e -> e.inline() != null);
        int size = 64 * events.size() + 8 + events.stream().mapToInt(TopicEvent::inlineBytes).sum();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(size);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(inline ? VERSION_INLINE : VERSION);
            out.writeInt(events.size());
            for (TopicEvent e : events) {
                out.writeUTF(e.brokerName());
                writeLongString(out, e.topic());
                out.writeShort(e.lmqs().size());
                for (int i = 0; i < e.lmqs().size(); i++) {
                    out.writeUTF(e.lmqs().get(i));
                    out.writeLong(e.offsets().get(i));
                }
                if (inline) {
                    TopicEvent.InlineMessage m = e.inline();
                    out.writeBoolean(m != null);
                    if (m != null) {
                        out.writeByte(m.qos());
                        out.writeBoolean(m.retain());
                        out.writeInt(m.payload().length);
                        out.write(m.payload());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Decodes a batch; throws IllegalArgumentException on a malformed or unknown-version body. */
    public static List<TopicEvent> decode(byte[] body) {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(body))) {
            byte version = in.readByte();
            if (version != VERSION && version != VERSION_INLINE) {
                throw new IllegalArgumentException("unknown notify event version " + version);
            }
            int count = in.readInt();
            if (count < 0 || count > MAX_EVENTS) {
                throw new IllegalArgumentException("bad notify event count " + count);
            }
            List<TopicEvent> events = new ArrayList<>(count);
            for (int n = 0; n < count; n++) {
                String broker = in.readUTF();
                String topic = readLongString(in);
                int lmqCount = in.readUnsignedShort();
                List<String> lmqs = new ArrayList<>(lmqCount);
                List<Long> offsets = new ArrayList<>(lmqCount);
                for (int i = 0; i < lmqCount; i++) {
                    lmqs.add(in.readUTF());
                    offsets.add(in.readLong());
                }
                TopicEvent.InlineMessage inline = null;
                if (version == VERSION_INLINE && in.readBoolean()) {
                    int qos = in.readUnsignedByte();
                    if (qos > 2) {
                        throw new IllegalArgumentException("bad inline message QoS " + qos);
                    }
                    boolean retain = in.readBoolean();
                    inline = new TopicEvent.InlineMessage(qos, retain, readBytes(in, MAX_INLINE_BYTES));
                }
                events.add(new TopicEvent(broker, topic, lmqs, offsets, inline));
            }
            if (in.available() > 0) {
                throw new IllegalArgumentException(in.available() + " trailing bytes after notify events");
            }
            return events;
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated notify event batch", e);
        }
    }

    // MQTT topics may be up to 65535 UTF-8 bytes, more than writeUTF's modified-UTF-8 allows for
    // non-ASCII text, so topics get a length-prefixed standard UTF-8 form.
    private static void writeLongString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readLongString(DataInputStream in) throws IOException {
        return new String(readBytes(in, 1 << 20), java.nio.charset.StandardCharsets.UTF_8);
    }

    private static byte[] readBytes(DataInputStream in, int max) throws IOException {
        int len = in.readInt();
        if (len < 0 || len > max) {
            throw new IOException("bad length " + len);
        }
        byte[] b = in.readNBytes(len);
        if (b.length != len) {
            throw new IOException("truncated field");
        }
        return b;
    }
}
