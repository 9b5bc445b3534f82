package org.rmqtt.meta.client;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.RaftRetryFailureException;
import org.apache.ratis.protocol.exceptions.ReadException;
import org.apache.ratis.protocol.exceptions.ReadIndexException;
import org.apache.ratis.protocol.exceptions.ServerNotReadyException;
import org.apache.ratis.protocol.exceptions.TransferLeadershipException;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.rmqtt.common.topic.Topics;
import org.rmqtt.meta.GatewayNode;
import org.rmqtt.meta.MetaClient;
import org.rmqtt.meta.MetaUnavailableException;
import org.rmqtt.meta.MetaValidation;
import org.rmqtt.meta.RetainedMessage;
import org.rmqtt.meta.SessionClaim;
import org.rmqtt.meta.Subscription;
import org.rmqtt.meta.WillMessage;
import org.rmqtt.meta.codec.Command;
import org.rmqtt.meta.codec.MetaCodec;
import org.rmqtt.meta.codec.Query;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link MetaClient} of the replicated meta group: writes and linearizable reads go to the Raft
 * leader (found and followed across elections by the Ratis client), views are served from a
 * {@link LocalView} kept fresh by {@link ViewFollower}.
 *
 * <p>Every call completes within about the call timeout: with no leader it fails with
 * {@link MetaUnavailableException}. Futures complete on the client's own callback threads, never
 * on Ratis I/O threads, so a caller that blocks in a callback cannot stall the transport.
 */
public final class RatisMetaClient implements MetaClient {

    private static final Logger LOG = LoggerFactory.getLogger(RatisMetaClient.class);
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    /**
     * @param peers        the meta peers
     * @param callTimeout  how long a call may take before it fails for want of a leader
     * @param pollInterval how often the local view asks for changes (its usual lag)
     * @param leaseTime    how long a heartbeat keeps a gateway alive
     */
    public record Config(List<MetaPeer> peers, Duration callTimeout, Duration pollInterval, Duration leaseTime) {
        public Config {
            peers = List.copyOf(peers);
            if (peers.isEmpty()) {
                throw new IllegalArgumentException("no meta peers");
            }
            if (callTimeout.toMillis() < 100 || pollInterval.toMillis() < 1 || leaseTime.toMillis() < 1) {
                throw new IllegalArgumentException("callTimeout must be >= 100 ms, pollInterval and leaseTime positive");
            }
        }

        public static Config of(List<MetaPeer> peers) {
            return new Config(peers, Duration.ofSeconds(5), Duration.ofMillis(100), Duration.ofSeconds(30));
        }

        public Config withLeaseTime(Duration lease) {
            return new Config(peers, callTimeout, pollInterval, lease);
        }

        public Config withCallTimeout(Duration timeout) {
            return new Config(peers, timeout, pollInterval, leaseTime);
        }
    }

    private final Config config;
    private final RaftClient client;
    private final ViewFollower follower;
    private final ExecutorService callbacks;
    private final AutoCloseable owned;

    private RatisMetaClient(Config config, AutoCloseable owned) {
        this.config = config;
        this.owned = owned;
        int n = INSTANCES.incrementAndGet();
        this.client = MetaGroup.newClient(config.peers(), config.callTimeout());
        this.follower = new ViewFollower(client, config.pollInterval(), config.callTimeout(), String.valueOf(n));
        this.callbacks = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "meta-client-" + n);
            t.setDaemon(true);
            return t;
        });
        follower.start();
        LOG.info("Meta client connected to peers {}", MetaPeer.formatList(config.peers()));
    }

    /** Connects to the meta group; the view starts loading in the background. */
    public static RatisMetaClient connect(Config config) {
        return new RatisMetaClient(config, null);
    }

    /** Connects and takes ownership of {@code owned}, closed after the client (e.g. an embedded server). */
    public static RatisMetaClient connect(Config config, AutoCloseable owned) {
        return new RatisMetaClient(config, Objects.requireNonNull(owned, "owned"));
    }

    /**
     * Waits until the local view has loaded, so views answer from the current state rather than
     * an empty one; for startup.
     *
     * @throws MetaUnavailableException if no leader answered within the call timeout
     */
    public RatisMetaClient awaitView() {
        try {
            follower.awaitIndex(-1).get(config.callTimeout().toMillis(), TimeUnit.MILLISECONDS);
            return this;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MetaUnavailableException("interrupted while loading the meta view", e);
        } catch (Exception e) {
            throw unavailable("loading the meta view", e);
        }
    }

    // ---- plumbing ----

    private <T> CompletableFuture<T> write(Command command, Function<byte[], T> decode) {
        Message message = Message.valueOf(ByteString.copyFrom(MetaCodec.encodeRequest(command)));
        LOG.debug("meta write {}", command);
        return complete(command, retrying(() -> client.async().send(message), RatisMetaClient::rejectedBeforeAppend),
                reply -> {
                    T result = decode.apply(content(reply));
                    if (!command.changesView()) {
                        return CompletableFuture.completedFuture(result);
                    }
                    // Read-your-writes in this client's view; a view that cannot catch up does not fail the write.
                    return follower.awaitIndex(reply.getLogIndex())
                            .completeOnTimeout(null, config.callTimeout().toMillis(), TimeUnit.MILLISECONDS)
                            .thenApply(ignored -> result);
                });
    }

    /** Linearizable: the leader confirms its leadership (read index) before answering. */
    private <T> CompletableFuture<T> read(Query query, Function<byte[], T> decode) {
        Message message = Message.valueOf(ByteString.copyFrom(MetaCodec.encodeQuery(query)));
        LOG.debug("meta read {}", query);
        return complete(query, retrying(() -> client.async().sendReadOnly(message), RatisMetaClient::transientForRead),
                reply -> CompletableFuture.completedFuture(decode.apply(content(reply))));
    }

    /**
     * Errors the Ratis client hands back instead of retrying, though they only mean "an election
     * is under way": a server that does not know the leader yet, or one stepping down. Each
     * rejects the request before it is appended, so sending it again cannot apply it twice.
     */
    private static boolean rejectedBeforeAppend(Throwable error) {
        return error instanceof LeaderSteppingDownException || error instanceof TransferLeadershipException
                || error instanceof ServerNotReadyException || error instanceof LeaderNotReadyException
                || error instanceof NotLeaderException;
    }

    private static boolean transientForRead(Throwable error) {
        return rejectedBeforeAppend(error) || error instanceof ReadIndexException || error instanceof ReadException;
    }

    /** Sends, and on a transient error sends again after a pause, until the call timeout. */
    private CompletableFuture<RaftClientReply> retrying(Supplier<CompletableFuture<RaftClientReply>> attempt,
            Predicate<Throwable> isTransient) {
        long deadline = System.nanoTime() + config.callTimeout().toNanos();
        return retrying(attempt, isTransient, deadline);
    }

    private CompletableFuture<RaftClientReply> retrying(Supplier<CompletableFuture<RaftClientReply>> attempt,
            Predicate<Throwable> isTransient, long deadline) {
        return attempt.get().handle((reply, error) -> {
            Throwable cause = unwrap(error);
            if (cause == null) {
                return CompletableFuture.completedFuture(reply);
            }
            long retryAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MetaGroup.RETRY_SLEEP_MILLIS);
            if (!isTransient.test(cause) || retryAt - deadline > 0) {
                return CompletableFuture.<RaftClientReply>failedFuture(cause);
            }
            LOG.debug("meta call retried after {}", cause.toString());
            Executor later = CompletableFuture.delayedExecutor(MetaGroup.RETRY_SLEEP_MILLIS, TimeUnit.MILLISECONDS,
                    callbacks);
            return CompletableFuture.supplyAsync(() -> null, later)
                    .thenCompose(ignored -> retrying(attempt, isTransient, deadline));
        }).thenCompose(f -> f);
    }

    private static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    private <T> CompletableFuture<T> complete(Object what, CompletableFuture<RaftClientReply> sent,
            Function<RaftClientReply, CompletableFuture<T>> onReply) {
        CompletableFuture<T> result = new CompletableFuture<>();
        sent.orTimeout(config.callTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .thenComposeAsync(onReply, callbacks)
                .whenCompleteAsync((value, error) -> {
                    if (error == null) {
                        result.complete(value);
                    } else {
                        result.completeExceptionally(translate(what, error));
                    }
                }, callbacks);
        return result;
    }

    private static byte[] content(RaftClientReply reply) {
        if (!reply.isSuccess()) {
            throw new CompletionException(reply.getException());
        }
        return reply.getMessage().getContent().toByteArray();
    }

    private Throwable translate(Object what, Throwable error) {
        Throwable cause = unwrap(error);
        // Transient errors still there at the deadline mean the same as a timeout: no usable leader.
        if (cause instanceof TimeoutException || cause instanceof RaftRetryFailureException
                || cause instanceof AlreadyClosedException || transientForRead(cause)) {
            return unavailable(what.getClass().getSimpleName(), cause);
        }
        return cause;
    }

    private MetaUnavailableException unavailable(String what, Throwable cause) {
        return new MetaUnavailableException("meta call " + what + " did not complete within "
                + config.callTimeout().toMillis() + " ms: no meta leader reachable among "
                + MetaPeer.formatList(config.peers()) + " (" + cause + ")", cause);
    }

    // ---- membership ----

    @Override
    public CompletableFuture<Void> heartbeat(GatewayNode node) {
        return write(new Command.Heartbeat(node, config.leaseTime().toMillis()), MetaClientResults::unit);
    }

    @Override
    public CompletableFuture<Void> leave(String nodeId) {
        return write(new Command.Leave(MetaValidation.id("node id", nodeId)), MetaClientResults::unit);
    }

    @Override
    public Optional<GatewayNode> node(String nodeId) {
        return follower.view().node(nodeId);
    }

    @Override
    public Collection<GatewayNode> liveNodes() {
        return follower.view().nodes();
    }

    // ---- filters in use ----

    @Override
    public CompletableFuture<Void> addFilter(String nodeId, String filter) {
        Topics.validateFilter(filter);
        return write(new Command.AddFilter(MetaValidation.id("node id", nodeId), filter), MetaClientResults::unit);
    }

    @Override
    public CompletableFuture<Void> removeFilter(String nodeId, String filter) {
        Topics.validateFilter(filter);
        return write(new Command.RemoveFilter(MetaValidation.id("node id", nodeId), filter), MetaClientResults::unit);
    }

    @Override
    public Set<String> matchingWildcardFilters(String topicName) {
        return follower.view().matchingWildcardFilters(topicName);
    }

    @Override
    public Set<String> nodesMatching(String topicName) {
        return follower.view().nodesMatching(topicName);
    }

    // ---- session registry ----

    @Override
    public CompletableFuture<SessionClaim> claimSession(String clientId, String nodeId) {
        return write(new Command.ClaimSession(MetaValidation.id("client id", clientId),
                MetaValidation.id("node id", nodeId)), MetaCodec::decodeClaim);
    }

    @Override
    public CompletableFuture<Boolean> releaseSession(String clientId, String nodeId, long epoch) {
        return write(new Command.ReleaseSession(MetaValidation.id("client id", clientId),
                MetaValidation.id("node id", nodeId), epoch), MetaCodec::decodeBoolean);
    }

    // ---- persistent sessions ----

    @Override
    public CompletableFuture<Void> addSubscription(String clientId, Subscription subscription) {
        return write(new Command.AddSubscription(MetaValidation.id("client id", clientId),
                Objects.requireNonNull(subscription, "subscription")), MetaClientResults::unit);
    }

    @Override
    public CompletableFuture<Void> removeSubscription(String clientId, String filter) {
        Topics.validateFilter(filter);
        return write(new Command.RemoveSubscription(MetaValidation.id("client id", clientId), filter),
                MetaClientResults::unit);
    }

    @Override
    public CompletableFuture<List<Subscription>> subscriptions(String clientId) {
        return read(new Query.Subscriptions(MetaValidation.id("client id", clientId)), MetaCodec::decodeSubscriptions);
    }

    @Override
    public CompletableFuture<Void> dropSession(String clientId) {
        return write(new Command.DropSession(MetaValidation.id("client id", clientId)), MetaClientResults::unit);
    }

    // ---- retained messages ----

    @Override
    public CompletableFuture<Void> retain(RetainedMessage message) {
        return write(new Command.Retain(Objects.requireNonNull(message, "message")), MetaClientResults::unit);
    }

    @Override
    public CompletableFuture<List<RetainedMessage>> retained(String filter) {
        Topics.validateFilter(filter);
        return read(new Query.Retained(filter), MetaCodec::decodeRetained);
    }

    // ---- wills ----

    @Override
    public CompletableFuture<Void> storeWill(String nodeId, long epoch, WillMessage will) {
        return write(new Command.StoreWill(MetaValidation.id("node id", nodeId), MetaValidation.epoch(epoch),
                Objects.requireNonNull(will, "will")), MetaClientResults::unit);
    }

    @Override
    public CompletableFuture<Boolean> clearWill(String nodeId, String clientId, long epoch) {
        return write(new Command.ClearWill(MetaValidation.id("node id", nodeId),
                MetaValidation.id("client id", clientId), epoch), MetaCodec::decodeBoolean);
    }

    @Override
    public CompletableFuture<List<WillMessage>> takeWills(String deadNodeId) {
        return write(new Command.TakeWills(MetaValidation.id("node id", deadNodeId)), MetaCodec::decodeWills);
    }

    @Override
    public void close() {
        follower.close();
        try {
            client.close();
        } catch (Exception e) {
            LOG.warn("Error closing the meta Raft client: {}", e.toString());
        }
        callbacks.shutdown();
        if (owned != null) {
            try {
                owned.close();
            } catch (Exception e) {
                LOG.warn("Error closing {}: {}", owned, e.toString());
            }
        }
        LOG.info("Meta client closed");
    }

    /** Decoders of replies without a value. */
    private static final class MetaClientResults {
        private MetaClientResults() {
        }

        static Void unit(byte[] data) {
            MetaCodec.decodeUnit(data);
            return null;
        }
    }
}
