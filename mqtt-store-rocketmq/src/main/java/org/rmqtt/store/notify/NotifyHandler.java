package org.rmqtt.store.notify;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.rmqtt.common.notify.TopicEvent;

/** What a gateway does with the calls other nodes make to it. Implementations must not block. */
public interface NotifyHandler {
    /** New messages were stored on topics this node has subscriptions for. */
    void onTopicEvents(List<TopicEvent> events);

    /**
     * Another node took {@code clientId} over at {@code epoch}: close any older local connection
     * and complete with its session's state (empty if it kept none), which moves to the new node.
     */
    CompletableFuture<byte[]> onSessionTakeover(String clientId, long epoch);

    /** Completes once this node's meta view reflects log index {@code index} (or it gave up waiting). */
    CompletableFuture<Void> onViewSync(long index);

    /**
     * An operator's request forwarded by another gateway's admin API (about clients connected
     * here); completes with the reply. Body and reply are opaque to the notify layer.
     */
    CompletableFuture<byte[]> onAdminRequest(byte[] request);
}
