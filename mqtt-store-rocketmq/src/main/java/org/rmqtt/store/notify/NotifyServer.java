package org.rmqtt.store.notify;

import io.netty.channel.ChannelHandlerContext;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.remoting.netty.NettyRemotingAbstract;
import org.apache.rocketmq.remoting.netty.NettyRemotingServer;
import org.apache.rocketmq.remoting.netty.NettyRequestProcessor;
import org.apache.rocketmq.remoting.netty.NettyServerConfig;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.rmqtt.common.notify.TopicEventCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A gateway's endpoint for notify events and takeover calls from other nodes. */
public final class NotifyServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NotifyServer.class);

    private final NettyRemotingServer server;
    private final ExecutorService executor;
    private final NotifyHandler handler;

    public NotifyServer(String host, int port, NotifyHandler handler) {
        NettyServerConfig config = new NettyServerConfig();
        config.setBindAddress(host);
        config.setListenPort(port);
        config.setServerWorkerThreads(2);
        config.setServerSelectorThreads(1);
        config.setServerCallbackExecutorThreads(1);
        this.server = new NettyRemotingServer(config);
        this.handler = handler;
        // One thread keeps the events of a sender in order; a full queue refuses work instead of growing.
        this.executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(10_000),
                r -> {
                    Thread t = new Thread(r, "rmqtt-notify-in");
                    t.setDaemon(true);
                    return t;
                });
        NettyRequestProcessor processor = new NettyRequestProcessor() {
            @Override
            public RemotingCommand processRequest(ChannelHandlerContext ctx, RemotingCommand request) {
                try {
                    switch (request.getCode()) {
                        case NotifyProtocol.TOPIC_EVENTS -> handler.onTopicEvents(TopicEventCodec.decode(request.getBody()));
                        case NotifyProtocol.SESSION_TAKEOVER -> {
                            takeover(ctx, request);
                            return null; // answered when the session was handed over
                        }
                        default -> {
                            return RemotingCommand.createResponseCommand(ResponseCode.REQUEST_CODE_NOT_SUPPORTED,
                                    "unknown request code " + request.getCode());
                        }
                    }
                    return RemotingCommand.createResponseCommand(ResponseCode.SUCCESS, null);
                } catch (RuntimeException e) {
                    LOG.warn("Bad notify request {} from {}: {}", request.getCode(), ctx.channel().remoteAddress(), e.toString());
                    return RemotingCommand.createResponseCommand(ResponseCode.SYSTEM_ERROR, e.getMessage());
                }
            }

            @Override
            public boolean rejectRequest() {
                return false;
            }
        };
        server.registerProcessor(NotifyProtocol.TOPIC_EVENTS, processor, executor);
        server.registerProcessor(NotifyProtocol.SESSION_TAKEOVER, processor, executor);
    }

    /** Closes the local session and answers with its state, without holding the request thread. */
    private void takeover(ChannelHandlerContext ctx, RemotingCommand request) {
        byte[] body = request.getBody();
        handler.onSessionTakeover(NotifyProtocol.takeoverClientId(body), NotifyProtocol.takeoverEpoch(body))
                .whenComplete((state, error) -> {
                    RemotingCommand response;
                    if (error != null) {
                        response = RemotingCommand.createResponseCommand(ResponseCode.SYSTEM_ERROR, error.getMessage());
                    } else {
                        response = RemotingCommand.createResponseCommand(ResponseCode.SUCCESS, null);
                        response.setBody(state);
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
        server.shutdown();
        executor.shutdownNow();
    }
}
