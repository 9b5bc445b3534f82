package org.rmqtt.store.rocketmq;

import io.netty.channel.ChannelHandlerContext;
import org.apache.rocketmq.remoting.netty.NettyRemotingServer;
import org.apache.rocketmq.remoting.netty.NettyRequestProcessor;
import org.apache.rocketmq.remoting.netty.NettyServerConfig;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;

/** RocketMQ remoting servers for tests, on a free port of 127.0.0.1, not yet started. */
final class RemotingTestServers {
    private RemotingTestServers() {
    }

    /** Serves {@code code}: with {@code answer} a success response, otherwise no response at all. */
    static NettyRemotingServer serving(int code, boolean answer) {
        NettyServerConfig config = new NettyServerConfig();
        config.setBindAddress("127.0.0.1");
        config.setListenPort(0);
        NettyRemotingServer server = new NettyRemotingServer(config);
        server.registerProcessor(code, new NettyRequestProcessor() {
            @Override
            public RemotingCommand processRequest(ChannelHandlerContext ctx, RemotingCommand request) {
                return answer ? RemotingCommand.createResponseCommand(0, null) : null;
            }

            @Override
            public boolean rejectRequest() {
                return false;
            }
        }, null);
        return server;
    }
}
