package org.rmqtt.store.embedded;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.LongSupplier;
import org.apache.rocketmq.common.MixAll;
import org.rmqtt.store.PublishRequest;
import org.rmqtt.store.PullBatch;
import org.rmqtt.store.StoredMessage;

/**
 * The messages this process appended a moment ago, by LMQ and offset. A subscriber is usually at
 * the head of its LMQ, so the next pull asks for exactly what was just written: it is answered
 * from here, without a store read, a decode or a thread hop. What an LMQ holds at an offset never
 * changes, so an entry is never stale; anything not here (evicted, appended before a restart) is
 * read from the store as before. A backend's messages come in through the dispatch plug-in.
 *
 * <p>Each LMQ has a small ring indexed by offset; one queue in append order evicts by size and
 * age. This replaced a Guava cache, whose bookkeeping per put was a sixth of the store writer's
 * Java time at full rate. Appends take a lock (they come from the writer, the broker's send
 * thread for a backend's messages, or the flush thread with SYNC_FLUSH); reads take none and treat
 * anything unexpected as a miss.
 */
final class RecentWrites {
    /** Slots of a new LMQ's ring; it doubles, up to {@link #MAX_SLOTS}, when it would overwrite a live entry. */
    private static final int FIRST_SLOTS = 8;
    private static final int MAX_SLOTS = 4096;
    /** Bytes counted per entry besides its payload. */
    private static final int ENTRY_OVERHEAD = 128;

    private static final class Ring {
        final String lmq;
        volatile AtomicReferenceArray<StoredMessage> slots = new AtomicReferenceArray<>(FIRST_SLOTS);
        /** Occupied slots; guarded by the RecentWrites lock. */
        int live;

        Ring(String lmq) {
            this.lmq = lmq;
        }
    }

    private record Entry(Ring ring, StoredMessage message, long appendedAt) {}

    private final ConcurrentHashMap<String, Ring> rings = new ConcurrentHashMap<>();
    /** Guarded by this. */
    private final ArrayDeque<Entry> order = new ArrayDeque<>();
    private long bytes;
    private final long maxBytes;
    private final long keepForNanos;
    private final LongSupplier clock;

    /**
     * @param maxBytes payload bytes kept at most (plus a small overhead per entry)
     * @param keepFor  how long an entry is kept (dropped at a later append); a reader further behind reads the store
     */
    RecentWrites(long maxBytes, Duration keepFor) {
        this(maxBytes, keepFor, System::nanoTime);
    }

    RecentWrites(long maxBytes, Duration keepFor, LongSupplier nanoClock) {
        this.maxBytes = maxBytes;
        this.keepForNanos = keepFor.toNanos();
        this.clock = nanoClock;
    }

    /**
     * {@code request} was appended and indexed in {@code lmqs} (the broker's dispatch list, after the
     * plug-in) at {@code offsets} (the broker's offsets, in the same order); null when it was not.
     */
    void appended(PublishRequest request, String lmqs, String offsets) {
        appended(request.topic(), request.qos(), request.retain(), request.payload(), lmqs, offsets);
    }

    /** As {@link #appended(PublishRequest, String, String)}, for a message appended by someone else (a backend). */
    synchronized void appended(String topic, int qos, boolean retain, byte[] payload, String lmqs, String offsets) {
        if (lmqs == null || offsets == null) {
            return;
        }
        long now = clock.getAsLong();
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
                StoredMessage message = new StoredMessage(topic, qos, retain, payload, offset);
                Ring ring = rings.computeIfAbsent(lmqs.substring(start, end), Ring::new);
                put(ring, message);
                order.addLast(new Entry(ring, message, now));
                bytes += weight(message);
            }
            start = end + 1;
            offsetStart = offsetEnd + 1;
        }
        evict(now);
    }

    private static int next(String list, int from) {
        int i = list.indexOf(MixAll.LMQ_DISPATCH_SEPARATOR, from);
        return i < 0 ? list.length() : i;
    }

    private static long weight(StoredMessage message) {
        return ENTRY_OVERHEAD + message.payload().length;
    }

    private static void put(Ring ring, StoredMessage message) {
        AtomicReferenceArray<StoredMessage> slots = ring.slots;
        if (slots.get(index(slots, message.offset())) != null && slots.length() < MAX_SLOTS) {
            slots = grow(ring, message.offset());
        }
        int index = index(slots, message.offset());
        if (slots.get(index) == null) {
            ring.live++;
        }
        slots.set(index, message);
    }

    private static int index(AtomicReferenceArray<StoredMessage> slots, long offset) {
        return (int) (offset & (slots.length() - 1));
    }

    /**
     * Replaces the ring's slots with at least twice as many, enough for every offset from its
     * oldest live entry to {@code incoming} (distinct offsets within that span never share a
     * slot), up to {@link #MAX_SLOTS}; at the cap the newer of two colliding entries stays.
     */
    private static AtomicReferenceArray<StoredMessage> grow(Ring ring, long incoming) {
        AtomicReferenceArray<StoredMessage> slots = ring.slots;
        long oldest = incoming;
        for (int i = 0; i < slots.length(); i++) {
            StoredMessage m = slots.get(i);
            if (m != null) {
                oldest = Math.min(oldest, m.offset());
            }
        }
        int size = slots.length() * 2;
        while (size < MAX_SLOTS && size <= incoming - oldest) {
            size *= 2;
        }
        AtomicReferenceArray<StoredMessage> bigger = new AtomicReferenceArray<>(size);
        int live = 0;
        for (int i = 0; i < slots.length(); i++) {
            StoredMessage m = slots.get(i);
            if (m != null) {
                int index = index(bigger, m.offset());
                StoredMessage there = bigger.get(index);
                if (there == null) {
                    live++;
                }
                if (there == null || there.offset() < m.offset()) {
                    bigger.set(index, m);
                }
            }
        }
        ring.live = live;
        ring.slots = bigger; // filled before readers see it
        return bigger;
    }

    private void evict(long now) {
        Entry oldest;
        while ((oldest = order.peekFirst()) != null && (bytes > maxBytes || now - oldest.appendedAt() > keepForNanos)) {
            order.pollFirst();
            bytes -= weight(oldest.message());
            Ring ring = oldest.ring();
            AtomicReferenceArray<StoredMessage> slots = ring.slots;
            int index = index(slots, oldest.message().offset());
            // A later entry may have taken the slot; then it is that entry's to clear.
            if (slots.get(index) == oldest.message()) {
                slots.set(index, null);
                if (--ring.live == 0) {
                    rings.remove(ring.lmq, ring);
                }
            }
        }
    }

    /** Up to {@code max} messages of {@code lmq} from {@code offset} on, if the first is here; else null. */
    PullBatch read(String lmq, long offset, int max) {
        Ring ring = rings.get(lmq);
        if (ring == null) {
            return null;
        }
        AtomicReferenceArray<StoredMessage> slots = ring.slots;
        StoredMessage first = at(slots, offset);
        if (first == null) {
            return null;
        }
        List<StoredMessage> found = new ArrayList<>(Math.min(max, 16));
        found.add(first);
        long next = offset + 1;
        while (found.size() < max) {
            StoredMessage m = at(slots, next);
            if (m == null) {
                break;
            }
            found.add(m);
            next++;
        }
        return new PullBatch(PullBatch.Status.FOUND, found, next);
    }

    private static StoredMessage at(AtomicReferenceArray<StoredMessage> slots, long offset) {
        StoredMessage m = slots.get(index(slots, offset));
        return m != null && m.offset() == offset ? m : null;
    }

    /** Entries held (an overwritten entry counts until it ages out). */
    synchronized long size() {
        return order.size();
    }
}
