package org.rmqtt.bench.payload;

import java.nio.ByteBuffer;

/**
 * Binary layout of a benchmark message: magic, run id, source id, sequence number and send time,
 * big-endian, padded with zeros to the requested payload size.
 *
 * <p>The run id lets a subscriber tell this run's messages from anything else on the server
 * (retained messages, a previous run still draining, other traffic under a wildcard); those are
 * counted as foreign instead of corrupting loss and latency figures.
 */
public final class PayloadCodec {

    /** "RMB1": rmqtt bench, layout version 1. */
    static final int MAGIC = 0x524D4231;

    /** Bytes taken by the header; the smallest payload the benchmark can send. */
    public static final int HEADER_SIZE = 4 + 4 + 4 + 8 + 8;

    private final int runId;
    private final int payloadSize;

    public PayloadCodec(int runId, int payloadSize) {
        if (payloadSize < HEADER_SIZE) {
            throw new IllegalArgumentException(
                "payload size " + payloadSize + " is below the " + HEADER_SIZE + "-byte benchmark header");
        }
        this.runId = runId;
        this.payloadSize = payloadSize;
    }

    public int runId() {
        return runId;
    }

    public int payloadSize() {
        return payloadSize;
    }

    public byte[] encode(int sourceId, long sequence, long sentNanos) {
        byte[] bytes = new byte[payloadSize];
        ByteBuffer.wrap(bytes)
            .putInt(MAGIC)
            .putInt(runId)
            .putInt(sourceId)
            .putLong(sequence)
            .putLong(sentNanos);
        return bytes;
    }

    /**
     * Reads the header without consuming the buffer.
     *
     * @return the header, or {@code null} when the bytes are not a message of this run
     */
    public Payload decode(ByteBuffer buffer) {
        if (buffer == null || buffer.remaining() < HEADER_SIZE) {
            return null;
        }
        int at = buffer.position();
        if (buffer.getInt(at) != MAGIC || buffer.getInt(at + 4) != runId) {
            return null;
        }
        int sourceId = buffer.getInt(at + 8);
        long sequence = buffer.getLong(at + 12);
        long sentNanos = buffer.getLong(at + 20);
        if (sourceId < 0 || sequence < 0) {
            return null;
        }
        return new Payload(runId, sourceId, sequence, sentNanos);
    }

    public Payload decode(byte[] bytes) {
        return bytes == null ? null : decode(ByteBuffer.wrap(bytes));
    }
}
