package org.rmqtt.meta.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientRpc;
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
import org.rmqtt.common.health.Counters;
import org.rmqtt.common.health.ThrottledWarning;
import org.rmqtt.common.topic.Topics;
import org.rmqtt.meta.GatewayNode;
import org.rmqtt.meta.MetaClient;
import org.rmqtt.meta.MetaUnavailableException;
import org.rmqtt.meta.MetaValidation;
import org.rmqtt.meta.RetainedMessage;
import org.rmqtt.meta.SessionClaim;
import org.rmqtt.meta.StoredSession;
import org.rmqtt.meta.Subscription;
import org.rmqtt.meta.WillMessage;
import org.rmqtt.meta.codec.CodecException;
import org.rmqtt.meta.codec.Command;
import org.rmqtt.meta.codec.MetaCodec;
import org.rmqtt.meta.codec.Query;
import org.rmqtt.meta.MetaPeerStatus;
import org.rmqtt.meta.SessionSummary;
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
 *
 * <p>Callers never block and never call into the Ratis client themselves: a call is queued
 * (bounded; a full queue fails the call at once) and the client's sender thread sends it. Writes
 * queued while earlier batches are in flight are sent together as one {@link Command.Batch}: one
 * Raft log entry, one RocksDB write, one result per command. A few batches and reads are in
 * flight at a time, well within the Ratis client's permits, so the sender does not block either.
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

        public Config withPollInterval(Duration interval) {
            return new Config(peers, callTimeout, interval, leaseTime);
        }
    }

    /** Calls waiting for the sender beyond this fail at once: the leader is far behind or gone. */
    public static final int MAX_QUEUED_CALLS = 100_000;
    /** A batch holds at most this many commands ... */
    public static final int MAX_BATCH_COMMANDS = 1_000;
    /** ... and about this many bytes (a single larger command goes alone). */
    static final int MAX_BATCH_BYTES = 1 << 20;
    /** Batches sent and not yet answered; calls queued meanwhile gather into the next batch. */
    static final int MAX_BATCHES_IN_FLIGHT = 3;
    /**
     * Linearizable reads sent and not yet answered. With the batches and the view follower's one
     * poll, well below the Ratis client's 100 ordered-call permits, so the sender never blocks.
     */
    static final int MAX_READS_IN_FLIGHT = 64;

    private final Config config;
    private final RaftClient client;
    private final ViewFollower follower;
    private final ExecutorService callbacks;
    private final Executor callbackExecutor;
    /** The one thread that calls the Ratis client for writes and reads; callers only queue. */
    private final ExecutorService sender;
    private final Queue<Call<?>> writes = new ConcurrentLinkedQueue<>();
    private final Queue<Call<?>> reads = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    /** Sender thread only. */
    private int batchesInFlight;
    /** Sender thread only. */
    private int readsInFlight;
    private volatile boolean closed;
    private final AutoCloseable owned;
    private final Counters counters = new Counters();
    private volatile CallListener callListener = (write, nanos, failure) -> { };
    private final ThrottledWarning unavailableWarning = new ThrottledWarning(LOG, Duration.ofSeconds(10));

    private RatisMetaClient(Config config, AutoCloseable owned, Function<Executor, RaftClientRpc> transport) {
        this.config = config;
        this.owned = owned;
        int n = INSTANCES.incrementAndGet();
        this.callbacks = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "meta-client-" + n);
            t.setDaemon(true);
            return t;
        });
        this.callbackExecutor = task -> {
            try {
                callbacks.execute(task);
            } catch (RejectedExecutionException closing) {
                task.run();
            }
        };
        this.client = MetaGroup.newClient(config.peers(), config.callTimeout(),
                transport == null ? null : transport.apply(callbackExecutor));
        this.follower = new ViewFollower(client, config.pollInterval(), config.callTimeout(), String.valueOf(n));
        this.sender = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "meta-client-send-" + n);
            t.setDaemon(true);
            return t;
        });
        follower.start();
        LOG.info("Meta client connected to peers {}{}", MetaPeer.formatList(config.peers()),
                transport == null ? "" : " (in this process)");
    }

    /** Connects to the meta group; the view starts loading in the background. */
    public static RatisMetaClient connect(Config config) {
        return new RatisMetaClient(config, null, null);
    }

    /** Connects and takes ownership of {@code owned}, closed after the client (e.g. an embedded server). */
    public static RatisMetaClient connect(Config config, AutoCloseable owned) {
        return new RatisMetaClient(config, Objects.requireNonNull(owned, "owned"), null);
    }

    /**
     * As {@link #connect(Config, AutoCloseable)}, with requests carried by the transport that
     * {@code transport} makes instead of the network: for a client of a peer in its own process.
     * It is given the client's callback threads, on which it completes replies.
     */
    public static RatisMetaClient connect(Config config, AutoCloseable owned,
            Function<Executor, RaftClientRpc> transport) {
        return new RatisMetaClient(config, Objects.requireNonNull(owned, "owned"),
                Objects.requireNonNull(transport, "transport"));
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

    /** Meta calls that failed for want of a leader, among others; for metrics. */
    public Counters counters() {
        return counters;
    }

    /** Told of every finished call, on the callback threads; for metrics. */
    @FunctionalInterface
    public interface CallListener {
        /**
         * @param write   a write (a log entry) rather than a read
         * @param nanos   from the call to its answer, queueing included
         * @param failure null if it succeeded
         */
        void finished(boolean write, long nanos, Throwable failure);
    }

    /** Sets the one listener told of each finished call (replacing the one before). */
    public void callListener(CallListener listener) {
        this.callListener = Objects.requireNonNull(listener, "listener");
    }

    // ---- plumbing ----

    /**
     * One write or read on its way to the leader. {@code future} is completed by whoever finishes
     * first: the reply, an error, or the call timeout; the caller's future follows it on the
     * callback threads.
     */
    private static final class Call<T> {
        final Object what;
        final Command command;
        final byte[] request;
        final Function<byte[], T> decode;
        final long deadline;
        final CompletableFuture<T> future = new CompletableFuture<>();

        Call(Object what, Command command, byte[] request, Function<byte[], T> decode, long deadline) {
            this.what = what;
            this.command = command;
            this.request = request;
            this.decode = decode;
            this.deadline = deadline;
        }

        void deliver(byte[] reply) {
            future.complete(decode.apply(reply));
        }
    }

    private <T> CompletableFuture<T> write(Command command, Function<byte[], T> decode) {
        return submit(new Call<>(command, command, MetaCodec.encodeRequest(command), decode, deadline()), writes);
    }

    /** Linearizable: the leader confirms its leadership (read index) before answering. */
    private <T> CompletableFuture<T> read(Query query, Function<byte[], T> decode) {
        return submit(new Call<>(query, null, MetaCodec.encodeQuery(query), decode, deadline()), reads);
    }

    private long deadline() {
        return System.nanoTime() + config.callTimeout().toNanos();
    }

    /**
     * Queues a call for the sender thread and returns at once: the caller (a network event loop)
     * never waits, not even for a Ratis client permit. A full queue fails the call right away.
     */
    private <T> CompletableFuture<T> submit(Call<T> call, Queue<Call<?>> queue) {
        CompletableFuture<T> result = new CompletableFuture<>();
        long start = System.nanoTime();
        call.future.orTimeout(config.callTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .whenCompleteAsync((value, error) -> {
                    if (error == null) {
                        callListener.finished(call.command != null, System.nanoTime() - start, null);
                        result.complete(value);
                    } else {
                        Throwable failure = translate(call.what, error);
                        if (failure instanceof MetaUnavailableException) {
                            counters.increment(Counters.Name.META_TIMEOUTS);
                            unavailableWarning.warn("meta", "Meta calls are failing: {}", failure.getMessage());
                        }
                        callListener.finished(call.command != null, System.nanoTime() - start, failure);
                        result.completeExceptionally(failure);
                    }
                }, callbackExecutor);
        if (closed) {
            call.future.completeExceptionally(new MetaUnavailableException("meta client is closed"));
            return result;
        }
        if (queued.incrementAndGet() > MAX_QUEUED_CALLS) {
            queued.decrementAndGet();
            call.future.completeExceptionally(new MetaUnavailableException("meta client queue full: "
                    + MAX_QUEUED_CALLS + " calls are waiting for the meta leader among "
                    + MetaPeer.formatList(config.peers())));
            return result;
        }
        queue.add(call);
        LOG.trace("meta call queued: {}", call.what);
        if (drainScheduled.compareAndSet(false, true)) {
            try {
                sender.execute(this::drain);
            } catch (RejectedExecutionException e) {
                call.future.completeExceptionally(new MetaUnavailableException("meta client is closed"));
            }
        }
        return result;
    }

    /**
     * On the sender thread: sends queued reads and writes as far as the in-flight limits allow.
     * Writes queued meanwhile are sent together as one batch, one log entry.
     */
    private void drain() {
        drainScheduled.set(false);
        // Calls that timed out while queued (a leaderless spell) are dropped now, not when a slot frees.
        purgeTimedOut(reads);
        purgeTimedOut(writes);
        while (readsInFlight < MAX_READS_IN_FLIGHT) {
            Call<?> call = reads.poll();
            if (call == null) {
                break;
            }
            queued.decrementAndGet();
            if (!call.future.isDone()) {
                sendRead(call);
            }
        }
        while (batchesInFlight < MAX_BATCHES_IN_FLIGHT && !writes.isEmpty()) {
            List<Call<?>> batch = new ArrayList<>();
            int bytes = 0;
            while (batch.size() < MAX_BATCH_COMMANDS) {
                Call<?> call = writes.peek();
                if (call == null || (!batch.isEmpty() && bytes + call.request.length > MAX_BATCH_BYTES)) {
                    break;
                }
                writes.poll();
                queued.decrementAndGet();
                // A call that timed out while queued is never sent: its caller was told it failed.
                if (!call.future.isDone()) {
                    batch.add(call);
                    bytes += call.request.length;
                }
            }
            if (!batch.isEmpty()) {
                sendBatch(batch);
            }
        }
    }

    private void purgeTimedOut(Queue<Call<?>> queue) {
        for (Call<?> head = queue.peek(); head != null && head.future.isDone(); head = queue.peek()) {
            if (queue.poll() != null) {
                queued.decrementAndGet();
            }
        }
    }

    private void sendBatch(List<Call<?>> calls) {
        batchesInFlight++;
        // The queue is in call order: the first call is the oldest, its deadline the earliest.
        long deadline = calls.get(0).deadline;
        CompletableFuture<RaftClientReply> sent;
        try {
            byte[] request = calls.size() == 1 ? calls.get(0).request
                    : MetaCodec.encodeRequest(new Command.Batch(calls.stream().map(c -> c.command).toList()));
            Message message = Message.valueOf(ByteString.copyFrom(request));
            LOG.debug("meta write of {} commands, {} bytes", calls.size(), request.length);
            sent = retrying(() -> client.async().send(message), RatisMetaClient::rejectedBeforeAppend, deadline);
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        bounded(sent, deadline).whenComplete((reply, error) -> {
            onSender(() -> {
                batchesInFlight--;
                drain();
            });
            callbackExecutor.execute(() -> deliverBatch(calls, reply, error));
        });
    }

    private void deliverBatch(List<Call<?>> calls, RaftClientReply reply, Throwable error) {
        List<byte[]> replies;
        try {
            if (error != null) {
                throw error instanceof CompletionException c ? c : new CompletionException(error);
            }
            byte[] content = content(reply);
            replies = calls.size() == 1 ? List.of(content) : MetaCodec.decodeBatchReply(content);
            if (replies.size() != calls.size()) {
                throw new CodecException("meta batch of " + calls.size() + " commands got " + replies.size() + " replies");
            }
        } catch (RuntimeException e) {
            calls.forEach(call -> call.future.completeExceptionally(e));
            return;
        }
        for (int i = 0; i < calls.size(); i++) {
            Call<?> call = calls.get(i);
            byte[] data = replies.get(i);
            try {
                if (!call.command.changesView()) {
                    call.deliver(data);
                    continue;
                }
                // Read-your-writes in this client's view; a view that cannot catch up does not fail the write.
                follower.awaitIndex(reply.getLogIndex())
                        .completeOnTimeout(null, config.callTimeout().toMillis(), TimeUnit.MILLISECONDS)
                        .whenComplete((ignored, e) -> deliverQuietly(call, data));
            } catch (RuntimeException e) {
                call.future.completeExceptionally(e);
            }
        }
    }

    private static void deliverQuietly(Call<?> call, byte[] data) {
        try {
            call.deliver(data);
        } catch (RuntimeException e) {
            call.future.completeExceptionally(e);
        }
    }

    private void sendRead(Call<?> call) {
        readsInFlight++;
        CompletableFuture<RaftClientReply> sent;
        try {
            Message message = Message.valueOf(ByteString.copyFrom(call.request));
            LOG.debug("meta read {}", call.what);
            sent = retrying(() -> client.async().sendReadOnly(message), RatisMetaClient::transientForRead,
                    call.deadline);
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        bounded(sent, call.deadline).whenComplete((reply, error) -> {
            onSender(() -> {
                readsInFlight--;
                drain();
            });
            callbackExecutor.execute(() -> {
                if (error != null) {
                    call.future.completeExceptionally(error);
                } else {
                    try {
                        call.deliver(content(reply));
                    } catch (RuntimeException e) {
                        call.future.completeExceptionally(e);
                    }
                }
            });
        });
    }

    /** Frees the in-flight slot by the deadline even if the Ratis client is still retrying. */
    private static CompletableFuture<RaftClientReply> bounded(CompletableFuture<RaftClientReply> sent, long deadline) {
        long millis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()) + 100);
        return sent.orTimeout(millis, TimeUnit.MILLISECONDS);
    }

    private void onSender(Runnable task) {
        try {
            sender.execute(task);
        } catch (RejectedExecutionException closing) {
            // Closed: nothing more is sent.
        }
    }

    /**
     * Errors the Ratis client hands back instead of retrying, though they only mean "an election
     * is under way": a server that does not know the leader yet, or one stepping down. Each
     * rejects the request before it is appended, so sending it again cannot apply it twice. A
     * batch is one request: it is rejected, and sent again, as a whole.
     */
    private static boolean rejectedBeforeAppend(Throwable error) {
        return error instanceof LeaderSteppingDownException || error instanceof TransferLeadershipException
                || error instanceof ServerNotReadyException || error instanceof LeaderNotReadyException
                || error instanceof NotLeaderException;
    }

    private static boolean transientForRead(Throwable error) {
        return rejectedBeforeAppend(error) || error instanceof ReadIndexException || error instanceof ReadException;
    }

    /**
     * Sends, and on a transient error sends again after a pause, until {@code deadline}. Every
     * attempt runs on the sender thread.
     */
    private CompletableFuture<RaftClientReply> retrying(Supplier<CompletableFuture<RaftClientReply>> attempt,
            Predicate<Throwable> isTransient, long deadline) {
        CompletableFuture<RaftClientReply> first;
        try {
            first = attempt.get();
        } catch (RuntimeException e) {
            first = CompletableFuture.failedFuture(e);
        }
        return first.handle((reply, error) -> {
            Throwable cause = unwrap(error);
            if (cause == null) {
                return CompletableFuture.completedFuture(reply);
            }
            long retryAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MetaGroup.RETRY_SLEEP_MILLIS);
            if (!isTransient.test(cause) || retryAt - deadline > 0 || closed) {
                return CompletableFuture.<RaftClientReply>failedFuture(cause);
            }
            LOG.debug("meta call retried after {}", cause.toString());
            Executor later = CompletableFuture.delayedExecutor(MetaGroup.RETRY_SLEEP_MILLIS, TimeUnit.MILLISECONDS,
                    sender);
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

    @Override
    public Set<String> filtersInUse() {
        return follower.view().filters();
    }

    // ---- view freshness ----

    @Override
    public long viewIndex() {
        return follower.syncedIndex();
    }

    @Override
    public CompletableFuture<Void> awaitViewIndex(long index) {
        return follower.awaitIndex(index);
    }

    @Override
    public CompletableFuture<Void> freshView(Duration maxAge) {
        return follower.awaitFresh(maxAge);
    }

    // ---- session registry ----

    @Override
    public CompletableFuture<SessionClaim> claimSession(String clientId, String nodeId, boolean clean,
            long expiryMillis) {
        return write(new Command.ClaimSession(MetaValidation.id("client id", clientId),
                MetaValidation.id("node id", nodeId), clean, MetaValidation.expiry(expiryMillis)),
                MetaCodec::decodeClaim);
    }

    @Override
    public CompletableFuture<Boolean> releaseSession(String clientId, String nodeId, long epoch) {
        return write(new Command.ReleaseSession(MetaValidation.id("client id", clientId),
                MetaValidation.id("node id", nodeId), epoch), MetaCodec::decodeBoolean);
    }

    @Override
    public CompletableFuture<Boolean> saveSession(String clientId, String nodeId, long epoch, byte[] state,
            boolean release) {
        return write(new Command.SaveSession(MetaValidation.id("client id", clientId),
                MetaValidation.id("node id", nodeId), epoch, MetaValidation.state(state).clone(), release),
                MetaCodec::decodeBoolean);
    }

    @Override
    public CompletableFuture<Boolean> reclaimSession(String clientId, String nodeId, long epoch) {
        return write(new Command.ReclaimSession(MetaValidation.id("client id", clientId),
                MetaValidation.id("node id", nodeId), epoch), MetaCodec::decodeBoolean);
    }

    @Override
    public CompletableFuture<Optional<StoredSession>> session(String clientId) {
        return read(new Query.Session(MetaValidation.id("client id", clientId)), MetaCodec::decodeSession);
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
    public CompletableFuture<List<SessionSummary>> sessions(String prefix, int limit) {
        return read(new Query.Sessions(Objects.requireNonNull(prefix, "prefix"), limit), MetaCodec::decodeSessionSummaries);
    }

    @Override
    public CompletableFuture<List<MetaPeerStatus>> peerStatus() {
        // Ratis' group info call blocks: a short-lived thread of its own, never a caller's loop.
        CompletableFuture<List<MetaPeerStatus>> result = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                result.complete(MetaGroup.status(config.peers(), config.callTimeout()));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        }, "meta-peer-status");
        t.setDaemon(true);
        t.start();
        return result;
    }

    @Override
    public CompletableFuture<Void> dropSession(String clientId) {
        return write(new Command.DropSession(MetaValidation.id("client id", clientId)), MetaClientResults::unit);
    }

    // ---- retained messages ----

    @Override
    public CompletableFuture<Boolean> retain(RetainedMessage message, int maxTopics) {
        return write(new Command.Retain(Objects.requireNonNull(message, "message"), maxTopics), MetaCodec::decodeBoolean);
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
        closed = true;
        follower.close();
        sender.shutdownNow();
        MetaUnavailableException closing = new MetaUnavailableException("meta client is closed");
        for (Queue<Call<?>> queue : List.of(writes, reads)) {
            for (Call<?> call = queue.poll(); call != null; call = queue.poll()) {
                call.future.completeExceptionally(closing);
            }
        }
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
