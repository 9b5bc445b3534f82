package org.rmqtt.bench.load;

import java.util.BitSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.rmqtt.bench.payload.PayloadCodec;

/**
 * One sender's stream of sequence-numbered messages, with a bounded number in flight.
 *
 * <p>The set of confirmed sequence numbers is what receivers are held to: a message is lost only
 * if the server confirmed it and it never arrived.
 */
public final class Lane {

    /** Sequence numbers index a BitSet; a lane stops sending before it runs out of them. */
    static final long MAX_SEQUENCE = Integer.MAX_VALUE - 1L;

    private final int id;
    private final String target;
    private final MessageSender sender;
    private final PayloadCodec codec;
    private final int maxInflight;
    private final Semaphore inflight;
    private final BitSet confirmed = new BitSet();
    private final AtomicLong confirmedCount = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicReference<Throwable> firstFailure = new AtomicReference<>();
    /** Advanced only by the pacer thread that owns this lane. */
    private volatile long nextSequence;

    public Lane(int id, String target, MessageSender sender, PayloadCodec codec, int maxInflight) {
        this.id = id;
        this.target = target;
        this.sender = sender;
        this.codec = codec;
        this.maxInflight = maxInflight;
        this.inflight = new Semaphore(maxInflight);
    }

    public int id() {
        return id;
    }

    /** The topic this lane sends to; for reports. */
    public String target() {
        return target;
    }

    /**
     * Sends the next message if the in-flight window allows.
     *
     * @return false when the window is full (or the sequence space is used up) and nothing was sent
     */
    boolean trySendNext(long stampNanos) {
        if (nextSequence > MAX_SEQUENCE || !inflight.tryAcquire()) {
            return false;
        }
        long sequence = nextSequence;
        nextSequence = sequence + 1;
        CompletableFuture<?> future;
        try {
            future = sender.send(codec.encode(id, sequence, stampNanos));
        } catch (RuntimeException e) {
            onFailure(e);
            return true;
        }
        future.whenComplete((ignored, error) -> {
            if (error == null) {
                synchronized (confirmed) {
                    confirmed.set((int) sequence);
                }
                confirmedCount.incrementAndGet();
                inflight.release();
            } else {
                onFailure(error);
            }
        });
        return true;
    }

    private void onFailure(Throwable error) {
        failed.incrementAndGet();
        firstFailure.compareAndSet(null, error);
        inflight.release();
    }

    /** Messages handed to the sender so far. */
    public long attempted() {
        return nextSequence;
    }

    public long confirmedCount() {
        return confirmedCount.get();
    }

    public long failed() {
        return failed.get();
    }

    public Throwable firstFailure() {
        return firstFailure.get();
    }

    /** Sent but neither confirmed nor failed yet. */
    public long unresolved() {
        return attempted() - confirmedCount() - failed();
    }

    /** Waits until nothing is in flight any more, at most until the deadline. */
    boolean awaitSettled(long deadlineNanos) throws InterruptedException {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0 || !inflight.tryAcquire(maxInflight, left, TimeUnit.NANOSECONDS)) {
            return false;
        }
        inflight.release(maxInflight);
        return true;
    }

    /** A snapshot of the confirmed sequence numbers. */
    public BitSet confirmed() {
        synchronized (confirmed) {
            return (BitSet) confirmed.clone();
        }
    }
}
