package org.rmqtt.store.rocketmq;

import org.apache.rocketmq.client.ClientConfig;
import org.apache.rocketmq.client.impl.MQClientManager;

/**
 * RocketMQ's remoting client hands every frame from its I/O thread to a worker thread, which
 * decodes it and, for an answer, completes the request and passes its callback on to the callback
 * pool: one thread switch per answer that buys nothing, since nothing on that path blocks. Its
 * {@code disableNettyWorkerGroup} setting runs the decoder and handler on the I/O thread instead;
 * the producer and consumer API do not expose it, so it is set on the client instance they share,
 * created here ahead of them with their own settings.
 */
public final class ResponsesOnIoThread {
    private ResponsesOnIoThread() {
    }

    /** Before the producer or consumer behind {@code client} starts, with its settings complete. */
    public static void apply(ClientConfig client) {
        // As start() does; the instance is looked up by the id built from the name.
        client.changeInstanceNameToPID();
        MQClientManager.getInstance().getOrCreateMQClientInstance(client)
                .getNettyClientConfig().setDisableNettyWorkerGroup(true);
    }
}
