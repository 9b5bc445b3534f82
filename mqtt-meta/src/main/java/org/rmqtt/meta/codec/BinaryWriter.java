package org.rmqtt.meta.codec;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable big-endian byte buffer for the meta encodings. Strings are UTF-8 with an int length,
 * optional strings use length -1 for null. Hand-written so that every byte on the wire and on disk
 * is spelled out here and in {@link BinaryReader}, never left to Java serialization.
 */
public final class BinaryWriter {

    private byte[] buf;
    private int size;

    public BinaryWriter() {
        this(64);
    }

    public BinaryWriter(int capacity) {
        buf = new byte[Math.max(capacity, 16)];
    }

    private void ensure(int more) {
        if (size + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
        }
    }

    public BinaryWriter u8(int value) {
        ensure(1);
        buf[size++] = (byte) value;
        return this;
    }

    public BinaryWriter bool(boolean value) {
        return u8(value ? 1 : 0);
    }

    public BinaryWriter i32(int value) {
        ensure(4);
        for (int shift = 24; shift >= 0; shift -= 8) {
            buf[size++] = (byte) (value >>> shift);
        }
        return this;
    }

    public BinaryWriter i64(long value) {
        ensure(8);
        for (int shift = 56; shift >= 0; shift -= 8) {
            buf[size++] = (byte) (value >>> shift);
        }
        return this;
    }

    public BinaryWriter bytes(byte[] value) {
        i32(value.length);
        return raw(value);
    }

    public BinaryWriter raw(byte[] value) {
        ensure(value.length);
        System.arraycopy(value, 0, buf, size, value.length);
        size += value.length;
        return this;
    }

    public BinaryWriter str(String value) {
        return bytes(value.getBytes(StandardCharsets.UTF_8));
    }

    public BinaryWriter optStr(String value) {
        return value == null ? i32(-1) : str(value);
    }

    public int size() {
        return size;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }
}
