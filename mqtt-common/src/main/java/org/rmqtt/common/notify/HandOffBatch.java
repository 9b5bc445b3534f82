package org.rmqtt.common.notify;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hand-offs that one thread makes to other threads' executors in a burst go out as one task per
 * executor when the burst ends. The store's dispatch of a write batch wakes the sessions of every
 * message in it; waking a sleeping event loop is a system call each time and, on a busy machine,
 * a switch to that loop's thread before the burst is done (16% of the store writer's time at a
 * full QoS 0 rate). Outside a burst a hand-off is a plain {@code execute}. An executor runs its
 * tasks of one burst in the order they were handed off; a task that throws does not stop the rest.
 * A long burst (a dispatch round catching up on a backlog) hands off every {@value #MAX_HELD}
 * tasks, so it neither holds deliveries back until it ends nor gathers them without bound.
 */
public final class HandOffBatch {
    private static final Logger LOG = LoggerFactory.getLogger(HandOffBatch.class);
    static final int MAX_HELD = 1024;
    private static final ThreadLocal<Burst> OPEN = new ThreadLocal<>();

    private static final class Burst {
        final Map<Executor, List<Runnable>> tasks = new IdentityHashMap<>();
        int held;

        void sendAll() {
            // Copied first: an executor that runs a task at once may have it hand off again.
            Map<Executor, List<Runnable>> out = new IdentityHashMap<>(tasks);
            tasks.clear();
            held = 0;
            out.forEach(HandOffBatch::send);
        }
    }

    private HandOffBatch() {
    }

    /** Runs {@code burst} on this thread and then hands off what it handed off. Nested: the outermost sends. */
    public static void run(Runnable burst) {
        if (OPEN.get() != null) {
            burst.run();
            return;
        }
        Burst open = new Burst();
        OPEN.set(open);
        try {
            burst.run();
        } finally {
            OPEN.remove();
            open.sendAll();
        }
    }

    /** {@code executor.execute(task)}, or at the end of this thread's burst if one is running. */
    public static void execute(Executor executor, Runnable task) {
        Burst open = OPEN.get();
        if (open == null) {
            executor.execute(task);
            return;
        }
        open.tasks.computeIfAbsent(executor, e -> new ArrayList<>(4)).add(task);
        if (++open.held >= MAX_HELD) {
            open.sendAll();
        }
    }

    private static void send(Executor executor, List<Runnable> tasks) {
        try {
            executor.execute(tasks.size() == 1 ? tasks.get(0) : () -> {
                for (Runnable task : tasks) {
                    try {
                        task.run();
                    } catch (RuntimeException e) {
                        LOG.warn("A handed-off task failed", e);
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            // The executor is shutting down (its connections are closing), as a direct execute would find.
            LOG.debug("{} tasks not handed off: {}", tasks.size(), e.toString());
        }
    }
}
