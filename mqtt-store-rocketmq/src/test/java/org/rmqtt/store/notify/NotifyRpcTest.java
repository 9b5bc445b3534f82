package org.rmqtt.store.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.remoting.netty.NettyClientConfig;
import org.apache.rocketmq.remoting.netty.NettyRemotingClient;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.rmqtt.common.health.Counters;
import org.rmqtt.common.notify.TopicEvent;

/** The gateway-to-gateway RPC on real RocketMQ remoting over 127.0.0.1: who may call, and retries. */
class NotifyRpcTest {
    private static final TopicEvent EVENT = new TopicEvent("broker-a", "a/b", List.of("%LMQ%a%b"), List.of(7L));

    private final Set<String> members = ConcurrentHashMap.newKeySet();
    private final List<TopicEvent> received = new CopyOnWriteArrayList<>();
    /** Answers like a receiver of the release before inline messages: such a batch is an unknown version. */
    private volatile boolean olderReceiver;
    private final Counters serverCounters = new Counters();
    private final Counters clientCounters = new Counters();
    private NotifyServer server;
    private NotifyClient client;
    private String address;

    @BeforeEach
    void start() {
        server = new NotifyServer("127.0.0.1", 0, receiving(events -> {
            if (olderReceiver && events.stream().anyMatch(e -> e.inline() != null)) {
                throw new IllegalArgumentException("unknown notify event version 2");
            }
            received.addAll(events);
        }), members::contains, serverCounters);
        server.start();
        address = "127.0.0.1:" + server.port();
        client = new NotifyClient("gw-b", "127.0.0.1:1", null, clientCounters);
        client.start();
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    @Test
    void eventsFromANodeThatIsNotAMemberAreRefusedAndRetriedUntilItIsOne() throws Exception {
        CompletableFuture<Void> handed = client.send(address, EVENT);
        await().atMost(Duration.ofSeconds(10)).until(() -> serverCounters.get(Counters.Name.NOTIFY_REJECTED) > 0
                && clientCounters.get(Counters.Name.NOTIFY_RETRIES) > 0);
        assertThat(received).isEmpty();
        // The notifier is not held up by a node that refuses: the event went to background retries.
        handed.get(5, TimeUnit.SECONDS);

        members.add("gw-b"); // e.g. the receiver's meta view caught up with a node that just joined
        await().atMost(Duration.ofSeconds(10)).until(() -> received.contains(EVENT));
        assertThat(clientCounters.get(Counters.Name.NOTIFY_EVENTS_DROPPED)).isZero();
        await().atMost(Duration.ofSeconds(10)).until(() -> clientCounters.get(Counters.Name.NOTIFY_BACKLOG) == 0);
    }

    @Test
    void aMalformedBatchOrUnknownRequestIsRefusedAndCounted() throws Exception {
        members.add("gw-b");
        NettyRemotingClient raw = new NettyRemotingClient(new NettyClientConfig());
        raw.start();
        try {
            RemotingCommand garbage = RemotingCommand.createRequestCommand(NotifyProtocol.TOPIC_EVENTS, null);
            garbage.addExtField(NotifyClient.FROM, "gw-b");
            garbage.setBody(new byte[] {1, 2, 3});
            assertThat(raw.invokeSync(address, garbage, 15_000).getCode()).isNotEqualTo(ResponseCode.SUCCESS);

            RemotingCommand anonymous = RemotingCommand.createRequestCommand(NotifyProtocol.VIEW_SYNC, null);
            anonymous.setBody(NotifyProtocol.viewSync(1));
            assertThat(raw.invokeSync(address, anonymous, 15_000).getCode()).isEqualTo(ResponseCode.NO_PERMISSION);

            RemotingCommand badSync = RemotingCommand.createRequestCommand(NotifyProtocol.VIEW_SYNC, null);
            badSync.addExtField(NotifyClient.FROM, "gw-b");
            badSync.setBody("not a number".getBytes());
            assertThat(raw.invokeSync(address, badSync, 15_000).getCode()).isNotEqualTo(ResponseCode.SUCCESS);
        } finally {
            raw.shutdown();
        }
        assertThat(received).isEmpty();
        assertThat(serverCounters.get(Counters.Name.NOTIFY_REJECTED)).isEqualTo(3);
    }

    @Test
    void anAdminRequestFromAMemberIsAnsweredAndOneFromAStrangerRefused() throws Exception {
        assertThat(client.admin(address, "list".getBytes())).failsWithin(Duration.ofSeconds(10));
        members.add("gw-b");
        assertThat(new String(client.admin(address, "list".getBytes()).get(10, TimeUnit.SECONDS))).isEqualTo("re: list");
    }

    @Test
    void aMemberSyncsItsViewAndGetsEvents() throws Exception {
        members.add("gw-b");
        client.syncView(address, 42).get(5, TimeUnit.SECONDS);
        client.send(address, EVENT).get(5, TimeUnit.SECONDS);
        assertThat(received).containsExactly(EVENT);
        assertThat(serverCounters.get(Counters.Name.NOTIFY_REJECTED)).isZero();
    }

    private static TopicEvent inlineEvent(long offset, int bytes) {
        return new TopicEvent("broker-a", "a/b", List.of("%LMQ%a%b"), List.of(offset),
                new TopicEvent.InlineMessage(1, false, new byte[bytes]));
    }

    @Test
    void aBatchCarriesInlineMessagesUpToItsBudgetAndTheRestAsPlainEvents() throws Exception {
        members.add("gw-b");
        NotifyClient small = new NotifyClient("gw-b", "127.0.0.1:1", null, clientCounters, 150, Duration.ZERO);
        small.start();
        try {
            List<TopicEvent> events = List.of(inlineEvent(1, 100), inlineEvent(2, 100), inlineEvent(3, 40));

            small.sendAll(address, events).get(10, TimeUnit.SECONDS);

            // In order, each once; the second did not fit the 150 bytes left after the first, the third did.
            assertThat(received).containsExactly(events.get(0), events.get(1).withoutInline(), events.get(2));
        } finally {
            small.close();
        }
    }

    @Test
    void aReceiverOfTheReleaseBeforeInlineMessagesGetsPlainEvents() throws Exception {
        members.add("gw-b");
        olderReceiver = true;
        TopicEvent event = inlineEvent(9, 10);

        client.send(address, event).get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> received.contains(event.withoutInline()));
        client.send(address, inlineEvent(10, 10)).get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 2);

        assertThat(received).containsExactly(event.withoutInline(), inlineEvent(10, 10).withoutInline());
        assertThat(clientCounters.get(Counters.Name.NOTIFY_EVENTS_DROPPED)).isZero();
    }

    @Test
    void withALingerEventsSentApartShareOneBatch() throws Exception {
        members.add("gw-b");
        List<Integer> batchSizes = new CopyOnWriteArrayList<>();
        NotifyServer counting = new NotifyServer("127.0.0.1", 0, receiving(events -> batchSizes.add(events.size())),
                members::contains, new Counters());
        counting.start();
        // Long enough that the three sends below fall within it on any machine.
        NotifyClient lingering = new NotifyClient("gw-b", "127.0.0.1:1", null, new Counters(), 1024, Duration.ofSeconds(2));
        lingering.start();
        try {
            String to = "127.0.0.1:" + counting.port();
            CompletableFuture<Void> a = lingering.send(to, inlineEvent(1, 1));
            CompletableFuture<Void> b = lingering.send(to, inlineEvent(2, 1));
            CompletableFuture<Void> c = lingering.send(to, inlineEvent(3, 1));
            CompletableFuture.allOf(a, b, c).get(10, TimeUnit.SECONDS);

            assertThat(batchSizes).containsExactly(3);
        } finally {
            lingering.close();
            counting.close();
        }
    }

    /** A receiver that hands topic events to {@code events}, answers takeovers empty and admin requests with "re: ". */
    private static NotifyHandler receiving(java.util.function.Consumer<List<TopicEvent>> events) {
        return new NotifyHandler() {
            @Override
            public void onTopicEvents(List<TopicEvent> batch) {
                events.accept(batch);
            }

            @Override
            public CompletableFuture<byte[]> onSessionTakeover(String clientId, long epoch) {
                return CompletableFuture.completedFuture(new byte[0]);
            }

            @Override
            public CompletableFuture<Void> onViewSync(long index) {
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public CompletableFuture<byte[]> onAdminRequest(byte[] request) {
                return CompletableFuture.completedFuture(("re: " + new String(request)).getBytes());
            }
        };
    }
}
