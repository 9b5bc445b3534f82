package org.rmqtt.store.rocketmq;

import org.apache.rocketmq.client.ClientConfig;
import org.apache.rocketmq.client.impl.MQClientManager;
import org.apache.rocketmq.client.impl.factory.MQClientInstance;

/**
 * The client instance a RocketMQ producer or consumer runs on, created here ahead of it (with its
 * settings) to change what the client API does not expose:
 * <ul>
 * <li>answers are handled on the I/O thread ({@code disableNettyWorkerGroup}). RocketMQ's remoting
 *     otherwise hands every frame to a worker thread, which decodes it and passes the answer's
 *     callback on to the callback pool: one thread switch per answer that buys nothing, since
 *     nothing on that path blocks;
 * <li>its housekeeping runs on the process's shared wheel ({@link RemotingHousekeeping}).
 * </ul>
 * The producer or consumer finds this instance when it starts (instances are looked up by the id
 * built from the settings).
 */
public final class ClientInstances {
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
        RemotingHousekeeping.share(instance.getMQClientAPIImpl().getRemotingClient());
    }
}
