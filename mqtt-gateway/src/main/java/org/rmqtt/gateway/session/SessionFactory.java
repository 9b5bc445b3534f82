package org.rmqtt.gateway.session;

import io.netty.channel.Channel;
import org.rmqtt.gateway.subscribe.SubscriptionIndex;
import org.rmqtt.store.MessageStore;

/** Builds sessions with the node's shared services and limits. */
public final class SessionFactory {
    private final MessageStore store;
    private final SubscriptionIndex index;
    private final int maxInflight;
    private final int pullBatch;

    public SessionFactory(MessageStore store, SubscriptionIndex index, int maxInflight, int pullBatch) {
        this.store = store;
        this.index = index;
        this.maxInflight = maxInflight;
        this.pullBatch = pullBatch;
    }

    public Session create(String clientId, Channel channel) {
        return new Session(clientId, channel, store, index, maxInflight, pullBatch);
    }
}
