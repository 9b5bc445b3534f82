package org.rmqtt.store.embedded;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.broker.BrokerController;
import org.apache.rocketmq.broker.latency.BrokerFastFailure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's fast-failure check, which answers "busy" to requests that waited in a pool's queue
 * longer than allowed ({@code waitTimeMillsInSendQueue}, 1 s here), woke every 10 ms on a thread of
 * its own: about 0.007 cores of an idle process on a 2-core VM, a quarter of the whole idle budget.
 * It now runs every {@value #FAST_FAILURE_CHECK_MS} ms on the broker's scheduler: a request may
 * wait 10% longer before it is refused, and one thread fewer. (HA's group transfer, the other
 * 10 ms loop, no longer starts: {@link ReplicationOff}.)
 * RocketMQ 5.3.3 has no setting for it; what is replaced is reached by reflection, and on any
 * mismatch with the running RocketMQ the broker keeps its own loop (one WARN line).
 */
final class QuietBrokerLoops {
    static final long FAST_FAILURE_CHECK_MS = 100;
    private static final Logger LOG = LoggerFactory.getLogger(QuietBrokerLoops.class);

    private QuietBrokerLoops() {
    }

    /** After the broker started. */
    static void apply(BrokerController broker) {
        slowFastFailureCheck(broker);
    }

    /** The broker's fast-failure service; package-private for the test that feeds it. */
    static BrokerFastFailure fastFailure(BrokerController broker) throws ReflectiveOperationException {
        Field field = BrokerController.class.getDeclaredField("brokerFastFailure");
        field.setAccessible(true);
        return (BrokerFastFailure) field.get(broker);
    }

    private static void slowFastFailureCheck(BrokerController broker) {
        BrokerFastFailure fastFailure;
        Method check;
        try {
            fastFailure = fastFailure(broker);
            check = BrokerFastFailure.class.getDeclaredMethod("cleanExpiredRequest");
            check.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warn("Could not reach the broker's fast-failure check: it keeps running every 10 ms", e);
            return;
        }
        if (fastFailure == null) {
            return;
        }
        fastFailure.shutdown();
        // The broker's scheduler ends with the broker, and this task with it.
        broker.getScheduledExecutorService().scheduleWithFixedDelay(() -> {
            if (!broker.getBrokerConfig().isBrokerFastFailureEnable()) {
                return;
            }
            try {
                check.invoke(fastFailure);
            } catch (ReflectiveOperationException | RuntimeException e) {
                LOG.warn("The broker's fast-failure check failed", e);
            }
        }, FAST_FAILURE_CHECK_MS, FAST_FAILURE_CHECK_MS, TimeUnit.MILLISECONDS);
    }
}
