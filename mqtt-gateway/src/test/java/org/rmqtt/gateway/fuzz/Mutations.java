package org.rmqtt.gateway.fuzz;

import java.util.Arrays;
import java.util.Random;

/** Byte-level mutations of a valid packet stream, as a fuzzer makes them. */
final class Mutations {
    /** Values that sit on the edges of lengths, flags and QoS bits. */
    private static final byte[] INTERESTING = {0x00, 0x01, 0x02, 0x03, 0x04, 0x06, 0x0F, 0x10, 0x30, 0x32, 0x34, 0x3F,
            0x62, 0x7F, (byte) 0x80, (byte) 0x82, (byte) 0xA2, (byte) 0xC0, (byte) 0xE0, (byte) 0xFF};

    private Mutations() {
    }

    /** One mutation of {@code bytes} at or after {@code from}. */
    static byte[] apply(Random random, byte[] bytes, int from) {
        if (bytes.length <= from) {
            return append(random, bytes);
        }
        int at = from + random.nextInt(bytes.length - from);
        byte[] out;
        switch (random.nextInt(7)) {
            case 0 -> {
                out = bytes.clone();
                out[at] ^= (byte) (1 << random.nextInt(8));
            }
            case 1 -> {
                out = bytes.clone();
                out[at] = INTERESTING[random.nextInt(INTERESTING.length)];
            }
            case 2 -> {
                out = bytes.clone();
                out[at] = (byte) random.nextInt(256);
            }
            case 3 -> { // delete a range
                int n = 1 + random.nextInt(Math.min(16, bytes.length - at));
                out = new byte[bytes.length - n];
                System.arraycopy(bytes, 0, out, 0, at);
                System.arraycopy(bytes, at + n, out, at, bytes.length - at - n);
            }
            case 4 -> { // insert random bytes
                byte[] inserted = new byte[1 + random.nextInt(8)];
                random.nextBytes(inserted);
                out = new byte[bytes.length + inserted.length];
                System.arraycopy(bytes, 0, out, 0, at);
                System.arraycopy(inserted, 0, out, at, inserted.length);
                System.arraycopy(bytes, at, out, at + inserted.length, bytes.length - at);
            }
            case 5 -> out = Arrays.copyOf(bytes, at); // truncate
            default -> { // repeat a range (a packet sent twice, a length field doubled)
                int n = 1 + random.nextInt(Math.min(32, bytes.length - at));
                out = new byte[bytes.length + n];
                System.arraycopy(bytes, 0, out, 0, at + n);
                System.arraycopy(bytes, at, out, at + n, bytes.length - at);
            }
        }
        return out;
    }

    private static byte[] append(Random random, byte[] bytes) {
        byte[] out = Arrays.copyOf(bytes, bytes.length + 1 + random.nextInt(4));
        for (int i = bytes.length; i < out.length; i++) {
            out[i] = INTERESTING[random.nextInt(INTERESTING.length)];
        }
        return out;
    }
}
