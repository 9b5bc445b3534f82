package org.rmqtt.store.rocketmq;

import java.lang.reflect.Field;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.impl.factory.MQClientInstance;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.ServiceThread;
import org.apache.rocketmq.remoting.netty.NettyRemotingAbstract;
import org.apache.rocketmq.remoting.netty.NettyRemotingClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes RocketMQ's remoting shut down without idle waits. Each RocketMQ remoting server and client
 * has a channel-event thread that polls its queue every 3 s and is stopped without an interrupt,
 * so every {@code shutdown()} waits up to 3 s for it: with the clients, broker and name server of a
 * standalone process that was most of a 17 s stop. The thread holds no data (it only tells
 * housekeeping listeners about closed channels), so ending it with an interrupt first, just before
 * the owner's own shutdown, loses nothing; the owner's shutdown then finds it stopped. A client
 * without a listener never needs the thread, and loses it right after start.
 */
public final class RemotingShutdown {
    private static final Logger LOG = LoggerFactory.getLogger(RemotingShutdown.class);
    private static final Field EVENT_THREAD = eventThreadField();

    private RemotingShutdown() {
    }

    /** Ends the channel-event thread of a RocketMQ remoting server or client (any other object: nothing). */
    public static void stopEventThread(Object remoting) {
        ServiceThread thread = eventThread(remoting);
        if (thread != null) {
            thread.shutdown(true);
        }
    }

    private static ServiceThread eventThread(Object remoting) {
        if (EVENT_THREAD == null || !(remoting instanceof NettyRemotingAbstract)) {
            return null;
        }
        try {
            return (ServiceThread) EVENT_THREAD.get(remoting);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debug("Could not reach the event thread of {}: {}", remoting.getClass().getSimpleName(), e.toString());
            return null;
        }
    }

    /**
     * Right after a RocketMQ remoting client started: ends its channel-event thread if it has no
     * channel-event listener. RocketMQ starts that thread for every client, but without a listener
     * nothing is ever queued to it, and it only wakes every 3 s to find its queue empty. It is
     * told to stop, not interrupted (an interrupt is logged by RocketMQ as a WARN with a stack
     * trace), and ends at its next wake-up; the client's own shutdown then joins a thread that is
     * done. A server starts it only with a listener.
     */
    public static void stopIdleEventThread(Object remoting) {
        if (remoting instanceof NettyRemotingClient client && client.getChannelEventListener() == null) {
            ServiceThread thread = eventThread(client);
            if (thread != null) {
                thread.makeStop();
            }
        }
    }

    /** As {@link #stopIdleEventThread(Object)}, for the client instance behind a started producer or consumer. */
    public static void stopIdleEventThread(MQClientInstance instance) {
        stopIdleEventThread(remotingClient(instance));
    }

    /** As {@link #stopEventThread}, for the client instance behind a producer (call right before its shutdown). */
    public static void stopEventThread(DefaultMQProducer producer) {
        stopEventThread(remotingClient(producer.getDefaultMQProducerImpl().getMqClientFactory()));
    }

    /** As {@link #stopEventThread}, for the client instance behind a consumer (call right before its shutdown). */
    public static void stopEventThread(DefaultMQPushConsumer consumer) {
        stopEventThread(remotingClient(consumer.getDefaultMQPushConsumerImpl().getmQClientFactory()));
    }

    /** The remoting client of a client instance, or null if it has none (yet). */
    private static Object remotingClient(MQClientInstance instance) {
        return instance == null || instance.getMQClientAPIImpl() == null ? null
                : instance.getMQClientAPIImpl().getRemotingClient();
    }

    private static Field eventThreadField() {
        try {
            Field field = NettyRemotingAbstract.class.getDeclaredField("nettyEventExecutor");
            field.setAccessible(true);
            return field;
        } catch (ReflectiveOperationException | RuntimeException e) {
            // Another RocketMQ version: shutdowns just take their usual time.
            return null;
        }
    }
}
