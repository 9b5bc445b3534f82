package org.rmqtt.store.rocketmq;

import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import io.netty.util.TimerTask;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.remoting.netty.NettyRemotingClient;
import org.apache.rocketmq.remoting.netty.NettyRemotingServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One housekeeping thread for the RocketMQ remoting servers and clients of this process. Each of
 * them has a timer wheel of its own, whose thread ticks ten times a second to scan the response
 * table once a second (a client also checks its name servers every 3 s). A standalone process has
 * seven (name server, broker, notify): seven threads and 70 wake-ups a second, after the JIT the
 * largest part of an idle process's CPU. Here their tasks run on one shared wheel with the same
 * tick; stopping an owner cancels its own tasks only, so owners may stop in any order. A
 * server's per-second traffic log, on yet another thread of its own, runs there too.
 */
public final class RemotingHousekeeping {
    private static final Logger LOG = LoggerFactory.getLogger(RemotingHousekeeping.class);
    static final String THREAD = "rmqtt-remoting-housekeeping";
    /** Started by the first task, never stopped: a daemon thread that lives as long as the process. */
    private static final HashedWheelTimer WHEEL = new HashedWheelTimer(daemon(THREAD));

    private RemotingHousekeeping() {
    }

    /**
     * Moves the housekeeping of a RocketMQ remoting server or client onto the shared wheel. Call
     * before its {@code start()}; one already started, any other object, or a RocketMQ whose
     * fields differ keeps its own timer (one DEBUG line). Moving twice is harmless.
     *
     * @return whether it was moved
     */
    public static boolean share(Object remoting) {
        Class<?> type = remoting instanceof NettyRemotingServer ? NettyRemotingServer.class
                : remoting instanceof NettyRemotingClient ? NettyRemotingClient.class : null;
        if (type == null) {
            return false;
        }
        try {
            Field field = type.getDeclaredField("timer");
            field.setAccessible(true);
            HashedWheelTimer own = (HashedWheelTimer) field.get(remoting);
            if (own instanceof Owner) {
                return true; // moved before (a client instance shared by a producer and a consumer)
            }
            if (own.pendingTimeouts() > 0) {
                // Already started: its tasks would be lost with it.
                LOG.debug("{} already started: it keeps its own housekeeping thread", type.getSimpleName());
                return false;
            }
            Owner owner = new Owner();
            field.set(remoting, owner);
            // Never started, so this only releases its bookkeeping (Netty would report it as leaked).
            own.stop();
            if (remoting instanceof NettyRemotingServer server) {
                moveTrafficLog(server, owner);
            }
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debug("{} keeps its own housekeeping thread: {}", type.getSimpleName(), e.toString());
            return false;
        }
    }

    /**
     * A server also logs its requests per code once a second (RocketMQ's "RequestCode
     * Distribution" lines, which reset the counts they print) on a scheduler thread that nothing
     * else uses and that the server's shutdown leaves running. That log moves to the shared wheel
     * with the same period and ends with the server. The server's scheduler is shut before it is
     * first used: the task the server's start then gives it is dropped by the scheduler's own
     * policy (it discards what a shut pool refuses), so no thread is started. With a policy that
     * would throw, or other fields, the server keeps its scheduler (one DEBUG line).
     */
    private static void moveTrafficLog(NettyRemotingServer server, Owner owner) {
        try {
            Field field = NettyRemotingServer.class.getDeclaredField("scheduledExecutorService");
            field.setAccessible(true);
            Method print = NettyRemotingServer.class.getDeclaredMethod("printRemotingCodeDistribution");
            print.setAccessible(true);
            if (!(field.get(server) instanceof ScheduledThreadPoolExecutor scheduler)
                    || scheduler.getTaskCount() > 0
                    || !(scheduler.getRejectedExecutionHandler() instanceof ThreadPoolExecutor.DiscardOldestPolicy
                        || scheduler.getRejectedExecutionHandler() instanceof ThreadPoolExecutor.DiscardPolicy)) {
                LOG.debug("NettyRemotingServer keeps its own scheduler for its traffic log");
                return;
            }
            scheduler.shutdown();
            owner.newTimeout(new TimerTask() {
                @Override
                public void run(Timeout timeout) {
                    try {
                        print.invoke(server);
                    } catch (ReflectiveOperationException | RuntimeException e) {
                        LOG.debug("Traffic log of a remoting server failed: {}", e.toString());
                    }
                    try {
                        owner.newTimeout(this, 1, TimeUnit.SECONDS);
                    } catch (IllegalStateException stopped) {
                        // The server stopped: so does its log.
                    }
                }
            }, 1, TimeUnit.SECONDS);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debug("NettyRemotingServer keeps its own scheduler for its traffic log: {}", e.toString());
        }
    }

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * What one remoting object sees as its timer. It is a {@link HashedWheelTimer} because that is
     * the field's type; its own wheel is never started.
     */
    static final class Owner extends HashedWheelTimer {
        private final Set<Timeout> pending = ConcurrentHashMap.newKeySet();
        private volatile boolean stopped;

        Owner() {
            super(daemon(THREAD + "-unused"), 100, TimeUnit.MILLISECONDS, 1, false);
        }

        @Override
        public Timeout newTimeout(TimerTask task, long delay, TimeUnit unit) {
            if (stopped) {
                // As a stopped HashedWheelTimer answers.
                throw new IllegalStateException("cannot be started once stopped");
            }
            Timeout timeout = WHEEL.newTimeout(t -> {
                pending.remove(t);
                task.run(t);
            }, delay, unit);
            pending.add(timeout);
            if (timeout.isExpired()) {
                pending.remove(timeout); // ran before it was added
            } else if (stopped) {
                timeout.cancel(); // raced with stop()
                pending.remove(timeout);
            }
            return timeout;
        }

        @Override
        public Set<Timeout> stop() {
            stopped = true;
            Set<Timeout> unprocessed = new HashSet<>();
            for (Timeout timeout : pending) {
                if (timeout.cancel()) {
                    unprocessed.add(timeout);
                }
            }
            pending.clear();
            super.stop();
            return unprocessed;
        }

        @Override
        public long pendingTimeouts() {
            return pending.size();
        }
    }
}
