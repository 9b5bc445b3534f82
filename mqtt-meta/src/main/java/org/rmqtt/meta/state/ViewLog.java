package org.rmqtt.meta.state;

import java.util.ArrayList;
import java.util.List;
import org.rmqtt.meta.codec.ViewChange;
import org.rmqtt.meta.codec.ViewDelta;

/**
 * The recent view changes, in memory, so that clients polling for changes get a small delta
 * instead of the whole view. Bounded: a client that falls further behind than the log reaches
 * (or that asks a peer which restarted since) is told to reload the whole view.
 *
 * <p>Not replicated: every peer builds its own from the entries it applies. Indexes are Raft log
 * indexes, the same on every peer, so a client may ask any peer.
 */
final class ViewLog {

    private record Entry(long index, ViewChange change) {}

    private final int capacity;
    private final List<Entry> entries = new ArrayList<>();
    /** Entries before {@code head} are dropped; compacted in bulk to keep removal cheap. */
    private int head;
    /** Changes at or before this index may be missing. */
    private long start;

    ViewLog(int capacity, long startIndex) {
        this.capacity = capacity;
        this.start = startIndex;
    }

    synchronized void reset(long index) {
        entries.clear();
        head = 0;
        start = index;
    }

    synchronized void add(long index, List<ViewChange> changes) {
        for (ViewChange change : changes) {
            entries.add(new Entry(index, change));
        }
        while (entries.size() - head > capacity) {
            start = entries.get(head++).index();
        }
        if (head > capacity) {
            entries.subList(0, head).clear();
            head = 0;
        }
    }

    /**
     * The changes after {@code since}, at most about {@code maxChanges} (never cutting one log
     * entry's changes apart), as of {@code appliedIndex}.
     */
    synchronized ViewDelta since(long since, long appliedIndex, int maxChanges) {
        if (since >= appliedIndex) {
            return new ViewDelta(true, Math.max(since, appliedIndex), List.of());
        }
        if (since < start) {
            return new ViewDelta(false, appliedIndex, List.of());
        }
        int from = firstAfter(since);
        List<ViewChange> changes = new ArrayList<>();
        long through = appliedIndex;
        for (int i = from; i < entries.size(); i++) {
            Entry entry = entries.get(i);
            if (changes.size() >= maxChanges && entry.index() != entries.get(i - 1).index()) {
                through = entries.get(i - 1).index();
                break;
            }
            changes.add(entry.change());
        }
        return new ViewDelta(true, through, changes);
    }

    /** Binary search for the first live entry with an index above {@code since}. */
    private int firstAfter(long since) {
        int low = head;
        int high = entries.size();
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (entries.get(mid).index() <= since) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return low;
    }
}
