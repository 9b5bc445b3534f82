package org.rmqtt.store;

import java.util.List;

/**
 * The result of one pull.
 *
 * @param messages   the messages found, in offset order (empty unless {@code FOUND})
 * @param nextOffset where the next pull should start
 */
public record PullBatch(Status status, List<StoredMessage> messages, long nextOffset) {
    public enum Status {
        /** Messages were read. */
        FOUND,
        /** Nothing at or after the offset yet. */
        NO_NEW_MESSAGES,
        /** The offset was outside the queue (e.g. expired); continue from {@code nextOffset}. */
        OFFSET_MOVED
    }

    public static PullBatch empty(long nextOffset) {
        return new PullBatch(Status.NO_NEW_MESSAGES, List.of(), nextOffset);
    }
}
