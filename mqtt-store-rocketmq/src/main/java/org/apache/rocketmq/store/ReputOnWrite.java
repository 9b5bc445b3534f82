package org.apache.rocketmq.store;

import java.lang.reflect.Field;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.rmqtt.common.notify.HandOffBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the store's dispatch (commitlog → consume queues, LMQs and dispatchers such as the
 * in-process notifier) when a write lands, instead of every millisecond.
 *
 * <p>RocketMQ 5.3.3's {@code ReputMessageService} sleeps 1 ms between rounds whether or not
 * anything was written: every message waits 0.5 ms on average before any subscriber can learn
 * of it, and an idle broker wakes 1,000 times a second (0.036 cores, more than our whole idle
 * budget). This subclass keeps its dispatch ({@code doReput}, unchanged, one round at a time)
 * and replaces only the loop: it parks until {@link #signal() signalled} after a write, or
 * {@code idlePoll} at the latest, which covers any write that does not signal. A writer may also
 * {@link #dispatchNow() run the round itself} when no round is running, saving the hand-over.
 *
 * <p>It lives in RocketMQ's package because the service it extends is package-private, and it
 * replaces the store's private field by reflection, before the store starts. Both are checked
 * against the running RocketMQ: on any mismatch the store keeps its own service (one WARN line).
 */
public final class ReputOnWrite {
    private static final Logger LOG = LoggerFactory.getLogger(ReputOnWrite.class);

    private final Service service;

    private ReputOnWrite(Service service) {
        this.service = service;
    }

    /**
     * Replaces {@code store}'s dispatch service; call after the store is created, before it starts.
     *
     * @return the handle to tell it of writes, or null when the store keeps its own service
     */
    public static ReputOnWrite install(DefaultMessageStore store, long idlePoll, TimeUnit unit) {
        try {
            Field field = DefaultMessageStore.class.getDeclaredField("reputMessageService");
            field.setAccessible(true);
            Object current = field.get(store);
            if (current == null || current.getClass() != DefaultMessageStore.ReputMessageService.class) {
                LOG.warn("The store dispatches with {}, not the service this build replaces: it keeps polling every 1 ms",
                        current == null ? null : current.getClass().getName());
                return null;
            }
            Service service = new Service(store, unit.toNanos(idlePoll));
            field.set(store, service);
            return new ReputOnWrite(service);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warn("Could not replace the store's dispatch service: it keeps polling every 1 ms", e);
            return null;
        }
    }

    /** A write was appended: the dispatch thread runs a round soon. Cheap, any thread. */
    public void signal() {
        service.signal();
    }

    /**
     * Writes were appended by this thread: dispatches them on it when no round is running (one
     * hand-over fewer per message while the store is not busy), else leaves them to the dispatch
     * thread. Dispatchers then run on this thread too, so it must not hold locks they need.
     */
    public void dispatchNow() {
        service.dispatchNow();
    }

    private static final class Service extends DefaultMessageStore.ReputMessageService {
        private final long idleNanos;
        /** A write landed since the last round began. */
        private final AtomicBoolean pending = new AtomicBoolean();
        /** One round at a time: a round's state (its offset, the consume queues) is not thread-safe. */
        private final ReentrantLock rounds = new ReentrantLock();

        Service(DefaultMessageStore store, long idleNanos) {
            store.super();
            this.idleNanos = idleNanos;
        }

        void signal() {
            if (!pending.getAndSet(true)) {
                Thread t = thread;
                if (t != null) {
                    LockSupport.unpark(t);
                }
            }
        }

        void dispatchNow() {
            if (!isStopped() && rounds.tryLock()) {
                try {
                    round();
                } finally {
                    rounds.unlock();
                }
            } else {
                // The running round may have passed these writes' offsets already.
                signal();
            }
        }

        @Override
        public void doReput() {
            rounds.lock();
            try {
                round();
            } finally {
                rounds.unlock();
            }
        }

        /** One dispatch round: the sessions its messages wake are handed their events once, at its end. */
        private void round() {
            HandOffBatch.run(super::doReput);
        }

        /** The store wakes the service after a replicated append, and on shutdown. */
        @Override
        public void wakeup() {
            signal();
        }

        @Override
        public void run() {
            LOG.info("{} started: dispatches when a write lands, at the latest every {} ms", getServiceName(),
                    TimeUnit.NANOSECONDS.toMillis(idleNanos));
            while (!isStopped()) {
                try {
                    doReput();
                    // A signal between the round's start and here means more to dispatch: no park.
                    // One after this check unparks the park below (or makes it return at once).
                    if (!pending.getAndSet(false)) {
                        LockSupport.parkNanos(this, idleNanos);
                        pending.set(false);
                    }
                } catch (Throwable e) {
                    LOG.warn("{} round failed", getServiceName(), e);
                }
            }
            LOG.info("{} ended", getServiceName());
        }
    }
}
