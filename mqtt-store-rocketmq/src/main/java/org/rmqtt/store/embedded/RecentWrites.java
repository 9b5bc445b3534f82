package org.rmqtt.store.embedded;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.rocketmq.common.MixAll;
import org.rmqtt.store.PublishRequest;
import org.rmqtt.store.PullBatch;
import org.rmqtt.store.StoredMessage;

/**
 * The messages this process appended a moment ago, by LMQ and offset. A subscriber is usually at
 * the head of its LMQ, so the next pull asks for exactly what was just written: it is answered
 * from here, without a store read, a decode or a thread hop. What an LMQ holds at an offset never
 * changes, so an entry is never stale; anything not here (evicted, written by a backend, appended
 * before a restart) is read from the store as before.
 */
final class RecentWrites {
    private record Key(String lmq, long offset) {}

    private final Cache<Key, StoredMessage> messages;

    /**
     * @param maxBytes payload bytes kept at most (plus a small overhead per entry)
     * @param keepFor  how long an entry is kept; a reader further behind reads the store
     */
    RecentWrites(long maxBytes, Duration keepFor) {
        this.messages = CacheBuilder.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((Key k, StoredMessage m) -> 128 + m.payload().length)
                .expireAfterWrite(keepFor)
                .build();
    }

    /**
     * {@code request} was appended and indexed in {@code lmqs} (the broker's dispatch list, after the
     * plug-in) at {@code offsets} (the broker's offsets, in the same order); null when it was not.
     */
    void appended(PublishRequest request, String lmqs, String offsets) {
        if (lmqs == null || offsets == null) {
            return;
        }
        int start = 0;
        int offsetStart = 0;
        while (start <= lmqs.length() && offsetStart <= offsets.length()) {
            int end = next(lmqs, start);
            int offsetEnd = next(offsets, offsetStart);
            long offset = -1;
            try {
                offset = Long.parseLong(offsets, offsetStart, offsetEnd, 10);
            } catch (NumberFormatException e) {
                // not a queue the broker counted as an LMQ ("null"): no offset to serve
            }
            if (offset >= 0) {
                messages.put(new Key(lmqs.substring(start, end), offset),
                        new StoredMessage(request.topic(), request.qos(), request.retain(), request.payload(), offset));
            }
            start = end + 1;
            offsetStart = offsetEnd + 1;
        }
    }

    private static int next(String list, int from) {
        int i = list.indexOf(MixAll.LMQ_DISPATCH_SEPARATOR, from);
        return i < 0 ? list.length() : i;
    }

    /** Up to {@code max} messages of {@code lmq} from {@code offset} on, if the first is here; else null. */
    PullBatch read(String lmq, long offset, int max) {
        StoredMessage first = messages.getIfPresent(new Key(lmq, offset));
        if (first == null) {
            return null;
        }
        List<StoredMessage> found = new ArrayList<>(Math.min(max, 16));
        found.add(first);
        long next = offset + 1;
        while (found.size() < max) {
            StoredMessage m = messages.getIfPresent(new Key(lmq, next));
            if (m == null) {
                break;
            }
            found.add(m);
            next++;
        }
        return new PullBatch(PullBatch.Status.FOUND, found, next);
    }

    long size() {
        return messages.size();
    }
}
