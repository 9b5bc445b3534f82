package org.rmqtt.gateway.session;

import io.netty.channel.Channel;
import org.rmqtt.gateway.subscribe.SubscriptionIndex;
import org.rmqtt.meta.MetaClient;
import org.rmqtt.store.MessageStore;

/** Builds sessions with the node's shared services and limits. */
public final class SessionFactory {
    private final MessageStore store;
    private final SubscriptionIndex index;
    private final MetaClient meta;
    private final int maxInflight;
    private final int pullBatch;
    private final SessionRegistry registry;

    public SessionFactory(MessageStore store, SubscriptionIndex index, MetaClient meta, SessionRegistry registry,
                          int maxInflight, int pullBatch) {
        this.registry = registry;
        this.store = store;
        this.index = index;
        this.meta = meta;
        this.maxInflight = maxInflight;
        this.pullBatch = pullBatch;
    }

    public Session create(String clientId, boolean persistent, Channel channel) {
        return new Session(clientId, persistent, channel, store, index, meta, maxInflight, pullBatch, registry);
    }
}
