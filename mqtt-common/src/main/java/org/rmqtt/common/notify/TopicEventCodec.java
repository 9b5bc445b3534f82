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
 * comes first so that a rolling upgrade can tell old from new peers.
 */
public final class TopicEventCodec {
    static final byte VERSION = 1;
    private static final int MAX_EVENTS = 1 << 20;

    private TopicEventCodec() {
    }

    public static byte[] encode(List<TopicEvent> events) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 * events.size() + 8);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeInt(events.size());
            for (TopicEvent e : events) {
                out.writeUTF(e.brokerName());
                writeLongString(out, e.topic());
                out.writeShort(e.lmqs().size());
                for (int i = 0; i < e.lmqs().size(); i++) {
                    out.writeUTF(e.lmqs().get(i));
                    out.writeLong(e.offsets().get(i));
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
            if (version != VERSION) {
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
                events.add(new TopicEvent(broker, topic, lmqs, offsets));
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
        int len = in.readInt();
        if (len < 0 || len > 1 << 20) {
            throw new IOException("bad string length " + len);
        }
        byte[] b = in.readNBytes(len);
        if (b.length != len) {
            throw new IOException("truncated string");
        }
        return new String(b, java.nio.charset.StandardCharsets.UTF_8);
    }
}
