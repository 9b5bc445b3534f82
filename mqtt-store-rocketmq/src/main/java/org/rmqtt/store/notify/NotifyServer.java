package org.rmqtt.store.notify;

import io.netty.channel.ChannelHandlerContext;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.rocketmq.remoting.netty.NettyRemotingAbstract;
import org.apache.rocketmq.remoting.netty.NettyRemotingServer;
import org.apache.rocketmq.remoting.netty.NettyRequestProcessor;
import org.apache.rocketmq.remoting.netty.NettyServerConfig;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.rmqtt.common.health.Counters;
import org.rmqtt.common.health.ThrottledWarning;
import org.rmqtt.common.notify.TopicEventCodec;
import org.rmqtt.store.rocketmq.RemotingHousekeeping;
import org.rmqtt.store.rocketmq.RemotingShutdown;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A gateway's endpoint for notify events, takeover calls and view syncs from other nodes. A
 * request from a node that is not a live member (per this node's meta view) or with a body that
 * does not decode is refused, counted and logged at most once per interval per sender; a refused
 * sender retries, so a node that joined a moment ago is served once the view shows it.
 */
public final class NotifyServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NotifyServer.class);

    private final NettyRemotingServer server;
    private final ExecutorService executor;
    private final NotifyHandler handler;
    private final Predicate<String> knownNode;
    private final Counters counters;
    private final ThrottledWarning warnings = new ThrottledWarning(LOG, Duration.ofSeconds(10));

    /** @param knownNode whether a node id names a live member of the cluster */
    public NotifyServer(String host, int port, NotifyHandler handler, Predicate<String> knownNode, Counters counters) {
        NettyServerConfig config = new NettyServerConfig();
        config.setBindAddress(host);
        config.setListenPort(port);
        config.setServerWorkerThreads(2);
        config.setServerSelectorThreads(1);
        config.setServerCallbackExecutorThreads(1);
        this.server = new NettyRemotingServer(config);
        RemotingHousekeeping.share(server);
        this.handler = handler;
        this.knownNode = knownNode;
        this.counters = counters;
        // One thread keeps the events of a sender in order; a full queue refuses work instead of
        // growing (the sender is told it is busy and retries).
        this.executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(10_000),
                r -> {
                    Thread t = new Thread(r, "rmqtt-notify-in");
                    t.setDaemon(true);
                    return t;
                });
        NettyRequestProcessor processor = new NettyRequestProcessor() {
            @Override
            public RemotingCommand processRequest(ChannelHandlerContext ctx, RemotingCommand request) {
                String from = request.getExtFields() == null ? null : request.getExtFields().get(NotifyClient.FROM);
                if (from == null || !knownNode.test(from)) {
                    return refuse(ctx, request, from, "sender is not a live member of the cluster");
                }
                try {
                    switch (request.getCode()) {
                        case NotifyProtocol.TOPIC_EVENTS -> handler.onTopicEvents(TopicEventCodec.decode(request.getBody()));
                        case NotifyProtocol.SESSION_TAKEOVER -> {
                            byte[] body = request.getBody();
                            answerLater(ctx, request, handler.onSessionTakeover(NotifyProtocol.takeoverClientId(body),
                                    NotifyProtocol.takeoverEpoch(body)));
                            return null;
                        }
                        case NotifyProtocol.VIEW_SYNC -> {
                            answerLater(ctx, request, handler.onViewSync(NotifyProtocol.viewSyncIndex(request.getBody()))
                                    .thenApply(v -> null));
                            return null;
                        }
                        case NotifyProtocol.ADMIN -> {
                            if (request.getBody() == null) {
                                throw new IllegalArgumentException("empty admin request");
                            }
                            answerLater(ctx, request, handler.onAdminRequest(request.getBody()));
                            return null;
                        }
                        default -> {
                            return refuse(ctx, request, from, "unknown request code " + request.getCode());
                        }
                    }
                    return RemotingCommand.createResponseCommand(ResponseCode.SUCCESS, null);
                } catch (RuntimeException e) {
                    return refuse(ctx, request, from, "malformed request: " + e);
                }
            }

            @Override
            public boolean rejectRequest() {
                return false;
            }
        };
        server.registerProcessor(NotifyProtocol.TOPIC_EVENTS, processor, executor);
        server.registerProcessor(NotifyProtocol.SESSION_TAKEOVER, processor, executor);
        server.registerProcessor(NotifyProtocol.VIEW_SYNC, processor, executor);
        server.registerProcessor(NotifyProtocol.ADMIN, processor, executor);
    }

    private RemotingCommand refuse(ChannelHandlerContext ctx, RemotingCommand request, String from, String why) {
        counters.increment(Counters.Name.NOTIFY_REJECTED);
        warnings.warn("refused " + from, "Refused notify request {} from node {} at {}: {}", request.getCode(), from,
                ctx.channel().remoteAddress(), why);
        int code = request.getCode() == NotifyProtocol.TOPIC_EVENTS || request.getCode() == NotifyProtocol.SESSION_TAKEOVER
                || request.getCode() == NotifyProtocol.VIEW_SYNC || request.getCode() == NotifyProtocol.ADMIN
                ? ResponseCode.NO_PERMISSION
                : ResponseCode.REQUEST_CODE_NOT_SUPPORTED;
        return RemotingCommand.createResponseCommand(code, why);
    }

    /** Answers when {@code work} completes, without holding the request thread. */
    private static void answerLater(ChannelHandlerContext ctx, RemotingCommand request, CompletableFuture<byte[]> work) {
        work.whenComplete((body, error) -> {
            RemotingCommand response;
            if (error != null) {
                response = RemotingCommand.createResponseCommand(ResponseCode.SYSTEM_ERROR, error.getMessage());
            } else {
                response = RemotingCommand.createResponseCommand(ResponseCode.SUCCESS, null);
                response.setBody(body);
            }
            NettyRemotingAbstract.writeResponse(ctx.channel(), request, response);
        });
    }

    public void start() {
        server.start();
        LOG.info("Notify endpoint listening on port {}", server.localListenPort());
    }

    /** The bound port (useful when configured as 0). */
    public int port() {
        return server.localListenPort();
    }

    @Override
    public void close() {
        RemotingShutdown.stopEventThread(server);
        server.shutdown();
        executor.shutdownNow();
    }
}
