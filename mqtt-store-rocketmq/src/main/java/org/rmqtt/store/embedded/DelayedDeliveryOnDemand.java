package org.rmqtt.store.embedded;

import org.apache.rocketmq.broker.BrokerController;
import org.apache.rocketmq.broker.schedule.ScheduleMessageService;
import org.apache.rocketmq.common.topic.TopicValidator;

import org.apache.rocketmq.store.CommitLogDispatcher;
import org.apache.rocketmq.store.DispatchRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the broker's delay-level service (delayed messages of RocketMQ producers, e.g.
 * {@code msg.setDelayTimeLevel(3)}) only while there is something to deliver. Started, it holds
 * one timer thread per level (18 by default), each waking every 100 ms whether or not a message
 * waits; an idle standalone node has none waiting.
 *
 * <p>The broker starts the service itself; {@link #idleUntilNeeded()} stops it again unless a
 * delayed message from before the restart still waits. Every delayed message passes this
 * dispatcher on the store's reput thread (after its consume queue entry is written), and the
 * first one seen while the service is stopped starts it, so no message waits longer than it
 * would have with the service always on. It then stays on until the broker stops.
 */
final class DelayedDeliveryOnDemand implements CommitLogDispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(DelayedDeliveryOnDemand.class);

    private final BrokerController broker;
    private volatile Thread idler;
    /** Set when the broker stops: a service started after its shutdown would never end. */
    private volatile boolean closed;

    DelayedDeliveryOnDemand(BrokerController broker) {
        this.broker = broker;
    }

    @Override
    public void dispatch(DispatchRequest request) {
        if (TopicValidator.RMQ_SYS_SCHEDULE_TOPIC.equals(request.getTopic()) && !closed
                && !broker.getScheduleMessageService().isStarted()) {
            LOG.info("A delayed message arrived: starting the broker's delay-level service");
            broker.changeScheduleServiceStatus(true);
        }
    }

    /**
     * After the broker started: stops its delay-level service if no delayed message waits. Runs
     * on a thread of its own, because the stop waits up to a second for the service's first timer
     * tasks to end.
     */
    void idleUntilNeeded() {
        Thread thread = new Thread(() -> {
            if (!broker.getScheduleMessageService().isStarted() || pending()) {
                return;
            }
            if (closed) {
                return;
            }
            broker.changeScheduleServiceStatus(false);
            // A delayed message dispatched while the service was still on did not start it;
            // its consume queue entry is written by now and is seen here.
            if (pending() && !closed) {
                broker.changeScheduleServiceStatus(true);
            } else {
                LOG.info("No delayed message waits: the broker's delay-level service starts with the first one");
            }
        }, "rmqtt-delay-idle");
        thread.setDaemon(true);
        idler = thread;
        thread.start();
    }

    /** Before the broker stops: no start from here on, and the idle decision has ended. */
    void close() {
        closed = true;
        Thread thread = idler;
        if (thread != null) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Whether a delay level's queue holds a message its service has not delivered yet. */
    private boolean pending() {
        ScheduleMessageService service = broker.getScheduleMessageService();
        try {
            for (int level = 1; level <= service.getMaxDelayLevel(); level++) {
                long max = broker.getMessageStore().getMaxOffsetInQueue(TopicValidator.RMQ_SYS_SCHEDULE_TOPIC,
                        ScheduleMessageService.delayLevel2QueueId(level));
                // The service's delivered offset per level (absent: the level never held a message).
                long delivered = service.getOffsetTable().getOrDefault(level, 0L);
                if (delivered < max) {
                    return true;
                }
            }
            return false;
        } catch (Exception e) {
            // Unsure: keep the service on, as the broker would.
            LOG.warn("Could not tell whether delayed messages wait; the delay-level service stays on", e);
            return true;
        }
    }
}
