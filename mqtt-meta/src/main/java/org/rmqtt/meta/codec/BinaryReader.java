package org.rmqtt.meta.codec;

import java.nio.charset.StandardCharsets;

/** Reads what {@link BinaryWriter} wrote; every read is bounds-checked and fails with {@link CodecException}. */
public final class BinaryReader {

    private final byte[] buf;
    private int pos;
    private final int end;

    public BinaryReader(byte[] buf) {
        this(buf, 0, buf.length);
    }

    public BinaryReader(byte[] buf, int offset, int length) {
        this.buf = buf;
        this.pos = offset;
        this.end = offset + length;
    }

    private void need(int n, String what) {
        if (n < 0 || end - pos < n) {
            throw new CodecException("truncated data: " + what + " needs " + n + " bytes, " + (end - pos) + " left");
        }
    }

    public int u8() {
        need(1, "byte");
        return buf[pos++] & 0xFF;
    }

    public boolean bool() {
        int value = u8();
        if (value > 1) {
            throw new CodecException("bad boolean byte " + value);
        }
        return value == 1;
    }

    public int i32() {
        need(4, "int");
        int value = 0;
        for (int i = 0; i < 4; i++) {
            value = (value << 8) | (buf[pos++] & 0xFF);
        }
        return value;
    }

    public long i64() {
        need(8, "long");
        long value = 0;
        for (int i = 0; i < 8; i++) {
            value = (value << 8) | (buf[pos++] & 0xFF);
        }
        return value;
    }

    public byte[] bytes() {
        int length = i32();
        need(length, "byte array");
        byte[] value = new byte[length];
        System.arraycopy(buf, pos, value, 0, length);
        pos += length;
        return value;
    }

    public String str() {
        int length = i32();
        need(length, "string");
        String value = new String(buf, pos, length, StandardCharsets.UTF_8);
        pos += length;
        return value;
    }

    public String optStr() {
        int length = i32();
        if (length == -1) {
            return null;
        }
        need(length, "string");
        String value = new String(buf, pos, length, StandardCharsets.UTF_8);
        pos += length;
        return value;
    }

    /** Count prefix of a list; checked against the bytes left so corrupt data cannot make us allocate wildly. */
    public int count(int minBytesPerItem) {
        int count = i32();
        if (count < 0 || (long) count * minBytesPerItem > end - pos) {
            throw new CodecException("bad element count " + count + " with " + (end - pos) + " bytes left");
        }
        return count;
    }

    public boolean hasRemaining() {
        return pos < end;
    }

    public void expectEnd(String what) {
        if (pos != end) {
            throw new CodecException(what + " has " + (end - pos) + " unexpected trailing bytes");
        }
    }
}
