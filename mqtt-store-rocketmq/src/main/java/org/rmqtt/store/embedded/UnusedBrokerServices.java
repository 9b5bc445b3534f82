package org.rmqtt.store.embedded;

import java.lang.reflect.Field;
import org.apache.rocketmq.broker.BrokerController;
import org.apache.rocketmq.common.BrokerConfig;
import org.apache.rocketmq.common.ServiceThread;
import org.apache.rocketmq.store.config.MessageStoreConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Broker features a standalone gateway does not offer, switched off so that the threads RocketMQ
 * 5.3.3 starts for them whatever the configuration (eight here) do not run idle:
 * <ul>
 * <li><b>Transactional messages</b> are refused: a half message is answered {@code NO_PERMISSION}
 *     ("sending transaction message is forbidden", RocketMQ's own setting
 *     {@code rejectTransactionMessage}), so no half message is ever stored and the check,
 *     op-batch and metrics-flush services have nothing to do. Taking half messages without the
 *     check would leave those of a producer that never ends its transaction undecided for ever.
 *     Ordinary sends are not affected. Half messages stored before this (an older data
 *     directory) are no longer checked.
 * <li><b>Broadcast offsets kept by the broker</b> serve RocketMQ's proxy, which standalone has not;
 *     remoting broadcast consumers keep their own offsets, as before RocketMQ 5.
 * <li><b>Cold-data flow control</b> (throttling consumer groups that read from disk) is off by
 *     default; its three services only wait. Turning it on at run time (mqadmin
 *     updateBrokerConfig) would now find them stopped: it is not offered here.
 * </ul>
 * What is reached by reflection keeps running on another RocketMQ version (one DEBUG line).
 */
final class UnusedBrokerServices {
    private static final Logger LOG = LoggerFactory.getLogger(UnusedBrokerServices.class);

    private UnusedBrokerServices() {
    }

    /** Before the broker is created. */
    static void configure(BrokerConfig broker, MessageStoreConfig store) {
        broker.setRejectTransactionMessage(true);
        broker.setEnableBroadcastOffsetStore(false);
        broker.setColdCtrStrategyEnable(false);
        store.setColdDataFlowControlEnable(false);
    }

    /** After the broker started them. A later shutdown of the broker finds them stopped. */
    static void stop(BrokerController broker) {
        broker.getTransactionalMessageCheckService().shutdown(true);
        // Ends its op-batch service and writes its (empty) metrics once more.
        broker.getTransactionalMessageService().close();
        stopField(broker, "transactionMetricsFlushService");
        broker.getBroadcastOffsetManager().shutdown();
        broker.getColdDataCgCtrService().shutdown();
        broker.getColdDataPullRequestHoldService().shutdown();
        broker.getMessageStore().getCommitLog().getColdDataCheckService().shutdown();
    }

    private static void stopField(BrokerController broker, String name) {
        try {
            Field field = BrokerController.class.getDeclaredField(name);
            field.setAccessible(true);
            if (field.get(broker) instanceof ServiceThread service) {
                service.shutdown();
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debug("The broker's {} keeps running: {}", name, e.toString());
        }
    }
}
