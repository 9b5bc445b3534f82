package org.rmqtt.meta.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.rmqtt.meta.codec.MetaCodec;
import org.rmqtt.meta.codec.Query;
import org.rmqtt.meta.codec.ViewDelta;
import org.rmqtt.meta.codec.ViewPage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a {@link LocalView} in step with the replicated state by polling the leader for the view
 * changes since the last index it has seen: a poll that finds nothing new is one small round
 * trip. On start, or when it has fallen behind what the leader still remembers, it reloads the
 * whole view page by page and then applies the changes made meanwhile.
 *
 * <p>All polling runs on one thread, so the view has a single writer. The view lags the
 * replicated state by at most one poll interval plus a round trip while a leader is reachable;
 * with no leader it keeps the last state it saw.
 */
final class ViewFollower implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ViewFollower.class);
    private static final int PAGE_SIZE = 10_000;
    private static final int MAX_RELOAD_ATTEMPTS = 5;

    private final RaftClient client;
    private final Duration pollInterval;
    private final Duration callTimeout;
    private final ScheduledExecutorService thread;
    private final AtomicBoolean pollQueued = new AtomicBoolean();
    /** Futures of writers waiting for their entry to reach the view, by log index. */
    private final TreeMap<Long, List<CompletableFuture<Void>>> waiters = new TreeMap<>();
    private volatile LocalView view = new LocalView();
    private volatile long syncedIndex = Long.MIN_VALUE;
    /** When the last poll that reached the leader started: the view holds every write committed before. */
    private volatile long freshSinceNanos = System.nanoTime() - Long.MAX_VALUE / 2;
    /** Polls started so far; a freshness waiter needs one that started after it asked. */
    private long pollsStarted;
    /** Freshness waiters by the number of the poll whose end they wait for. */
    private final TreeMap<Long, List<CompletableFuture<Void>>> freshWaiters = new TreeMap<>();
    private volatile boolean failing;
    private volatile boolean closed;
    private final String name;
    /** Poll thread only. */
    private Object lastLeader;

    ViewFollower(RaftClient client, Duration pollInterval, Duration callTimeout, String name) {
        this.client = client;
        this.pollInterval = pollInterval;
        this.callTimeout = callTimeout;
        this.name = name;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "meta-view-" + name);
            t.setDaemon(true);
            return t;
        });
    }

    void start() {
        thread.scheduleWithFixedDelay(this::poll, 0, pollInterval.toMillis(), TimeUnit.MILLISECONDS);
    }

    LocalView view() {
        return view;
    }

    /** The log index the view reflects; {@code Long.MIN_VALUE} before the first load. */
    long syncedIndex() {
        return syncedIndex;
    }

    /** Completes once the view reflects log index {@code index}; asks for a poll right away. */
    CompletableFuture<Void> awaitIndex(long index) {
        CompletableFuture<Void> future = new CompletableFuture<>();
        synchronized (waiters) {
            if (syncedIndex >= index) {
                return CompletableFuture.completedFuture(null);
            }
            waiters.computeIfAbsent(index, i -> new ArrayList<>()).add(future);
        }
        requestPoll(future);
        return future;
    }

    /**
     * Completes at once while the view reached the leader within {@code maxAge}; otherwise once a
     * poll that starts after this call has ended, whether it reached the leader or not, so that a
     * caller never waits longer than one poll attempt.
     */
    CompletableFuture<Void> awaitFresh(Duration maxAge) {
        // A view that cannot reach meta is used as it is: waiting would stop publishing for an outage.
        if (System.nanoTime() - freshSinceNanos < maxAge.toNanos() || failing) {
            return DONE;
        }
        CompletableFuture<Void> future = new CompletableFuture<>();
        synchronized (freshWaiters) {
            freshWaiters.computeIfAbsent(pollsStarted + 1, n -> new ArrayList<>()).add(future);
        }
        requestPoll(future);
        return future;
    }

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private void requestPoll(CompletableFuture<Void> orElse) {
        if (pollQueued.compareAndSet(false, true)) {
            try {
                thread.execute(this::poll);
            } catch (RejectedExecutionException rejected) {
                orElse.complete(null);
            }
        }
    }

    private void poll() {
        pollQueued.set(false);
        long started = System.nanoTime();
        long number;
        synchronized (freshWaiters) {
            number = ++pollsStarted;
        }
        try {
            pollOnce(started);
        } finally {
            List<CompletableFuture<Void>> ready = new ArrayList<>();
            synchronized (freshWaiters) {
                Map<Long, List<CompletableFuture<Void>>> done = freshWaiters.headMap(number, true);
                done.values().forEach(ready::addAll);
                done.clear();
            }
            ready.forEach(f -> f.complete(null));
        }
    }

    private void pollOnce(long started) {
        try {
            boolean more = true;
            while (more) {
                more = syncedIndex == Long.MIN_VALUE ? reload() : pullChanges();
            }
            freshSinceNanos = started;
            noteLeader();
            if (failing) {
                LOG.info("Meta view is following the leader again at index {}", syncedIndex);
                failing = false;
            }
        } catch (Exception e) {
            if (closed) {
                return;
            }
            // Keep serving the last view; retry on the next tick. Log once per outage.
            if (!failing) {
                LOG.warn("Meta view cannot reach a meta leader; serving the view as of index {}: {}",
                        syncedIndex, e.toString());
                failing = true;
            } else {
                LOG.debug("Meta view poll failed: {}", e.toString());
            }
        }
    }

    /** Logs at INFO when the leader this client talks to changes. */
    private void noteLeader() {
        Object leader = client.getLeaderId();
        if (leader != null && !leader.equals(lastLeader)) {
            LOG.info("Meta client {} follows meta leader {}{}", name, leader,
                    lastLeader == null ? "" : " (was " + lastLeader + ")");
            lastLeader = leader;
        }
    }

    /** @return true if there may be more changes to pull right away */
    private boolean pullChanges() throws Exception {
        ViewDelta delta = MetaCodec.decodeViewDelta(query(new Query.ViewChanges(syncedIndex)));
        if (!delta.covered()) {
            LOG.info("Meta view fell behind the leader's change log at index {}; reloading", syncedIndex);
            return reload();
        }
        view.applyAll(delta.changes());
        advance(delta.throughIndex());
        return delta.changes().size() >= PAGE_SIZE;
    }

    /**
     * Loads the whole view into a fresh copy, then applies the changes made since the first page
     * was read; every change sets or unsets one entry, so changes a page already showed are harmless.
     *
     * @return false: the view is current when it returns
     */
    private boolean reload() throws Exception {
        for (int attempt = 1; attempt <= MAX_RELOAD_ATTEMPTS; attempt++) {
            LocalView fresh = new LocalView();
            long startIndex = Long.MIN_VALUE;
            byte[] cursor = null;
            int entries = 0;
            do {
                ViewPage page = MetaCodec.decodeViewPage(query(new Query.ViewDump(cursor, PAGE_SIZE)));
                if (startIndex == Long.MIN_VALUE) {
                    startIndex = page.appliedIndex();
                }
                fresh.applyAll(page.entries());
                entries += page.entries().size();
                cursor = page.nextCursor();
            } while (cursor != null);
            ViewDelta delta = MetaCodec.decodeViewDelta(query(new Query.ViewChanges(startIndex)));
            if (delta.covered()) {
                fresh.applyAll(delta.changes());
                view = fresh;
                LOG.info("Loaded the meta view: {} entries as of index {}", entries, delta.throughIndex());
                advance(Math.max(startIndex, delta.throughIndex()));
                return false;
            }
        }
        throw new IllegalStateException("meta view changed faster than it could be loaded");
    }

    private void advance(long index) {
        List<CompletableFuture<Void>> ready = new ArrayList<>();
        synchronized (waiters) {
            if (index > syncedIndex) {
                syncedIndex = index;
            }
            Map<Long, List<CompletableFuture<Void>>> done = waiters.headMap(syncedIndex, true);
            done.values().forEach(ready::addAll);
            done.clear();
        }
        ready.forEach(f -> f.complete(null));
    }

    /** A read of the leader's state without a read index: the view tolerates a moment's lag anyway. */
    private byte[] query(Query query) throws Exception {
        Message message = Message.valueOf(ByteString.copyFrom(MetaCodec.encodeQuery(query)));
        RaftClientReply reply = client.async().sendReadOnlyNonLinearizable(message)
                .get(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!reply.isSuccess()) {
            throw reply.getException();
        }
        return reply.getMessage().getContent().toByteArray();
    }

    @Override
    public void close() {
        closed = true;
        thread.shutdownNow();
        List<CompletableFuture<Void>> pending = new ArrayList<>();
        synchronized (waiters) {
            waiters.values().forEach(pending::addAll);
            waiters.clear();
        }
        synchronized (freshWaiters) {
            freshWaiters.values().forEach(pending::addAll);
            freshWaiters.clear();
        }
        pending.forEach(f -> f.complete(null));
    }
}
