package org.rmqtt.store.rocketmq;

import java.lang.reflect.Method;
import org.apache.rocketmq.client.ClientConfig;
import org.apache.rocketmq.client.impl.MQClientManager;
import org.apache.rocketmq.client.impl.factory.MQClientInstance;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.ProduceAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client instance a RocketMQ producer or consumer runs on, created here ahead of it (with its
 * settings) to change what the client API does not expose:
 * <ul>
 * <li>answers are handled on the I/O thread ({@code disableNettyWorkerGroup},
 *     {@code disableCallbackExecutor}, as RocketMQ's own proxy does). RocketMQ's remoting
 *     otherwise hands every frame to a worker thread, which decodes it, and then the answer's
 *     callback to the callback pool: two thread switches per send or pull that buy nothing, since
 *     nothing on that path blocks (the callbacks complete futures, queue the push consumer's next
 *     pull and hand its messages to the consume pool);
 * <li>its housekeeping runs on the process's shared wheel ({@link RemotingHousekeeping}).
 * </ul>
 * The producer or consumer finds this instance when it starts (instances are looked up by the id
 * built from the settings).
 */
public final class ClientInstances {
    private static final Logger LOG = LoggerFactory.getLogger(ClientInstances.class);

    private ClientInstances() {
    }

    /**
     * Before the producer or consumer behind {@code client} starts, with its settings complete.
     * The instance is created without an RPC hook: a client that needs one (ACL) must not be
     * prepared here, or it would run without its hook.
     */
    public static void prepare(ClientConfig client) {
        // As start() does, so that the id is the one start() looks up.
        client.changeInstanceNameToPID();
        MQClientInstance instance = MQClientManager.getInstance().getOrCreateMQClientInstance(client);
        instance.getNettyClientConfig().setDisableNettyWorkerGroup(true);
        instance.getNettyClientConfig().setDisableCallbackExecutor(true);
        RemotingHousekeeping.share(instance.getMQClientAPIImpl().getRemotingClient());
    }

    /**
     * After {@code producer} started: ends the two threads of its client's send-batching
     * accumulator, which RocketMQ starts for every producer and which wake every 5 ms (400 times a
     * second, idle or not) even though batching is off ({@code autoBatch}) and they never have
     * anything to send. Nothing here turns batching on; if it were, its sends would no longer be
     * flushed after their hold time. On another RocketMQ version the threads stay (one DEBUG line).
     */
    public static void stopBatchingThreads(DefaultMQProducer producer) {
        if (producer.getAutoBatch()) {
            return;
        }
        try {
            Method shutdown = ProduceAccumulator.class.getDeclaredMethod("shutdown");
            shutdown.setAccessible(true);
            shutdown.invoke(MQClientManager.getInstance().getOrCreateProduceAccumulator(producer));
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debug("The batching threads of producer {} keep running: {}", producer.getProducerGroup(), e.toString());
        }
    }
}
