package org.rmqtt.store.embedded;

import io.netty.channel.ChannelHandlerContext;
import org.apache.rocketmq.broker.BrokerController;
import org.apache.rocketmq.common.BrokerConfig;
import org.apache.rocketmq.remoting.RemotingServer;
import org.apache.rocketmq.remoting.netty.NettyRequestProcessor;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.RequestCode;
import org.apache.rocketmq.remoting.protocol.ResponseCode;

/**
 * POP consumption (RocketMQ 5's proxy clients, and remoting consumers that pop) is off on the
 * embedded broker. Its services woke every 5–20 ms for consumers that do not come here: about
 * 0.015 cores and 5 threads of an idle process. Rather than leave POP half-working (a popped
 * message not acknowledged would never come back without the revive service), every POP request
 * is answered with an error that says so. Push, pull and lite-pull consumers are not affected.
 */
final class PopConsumptionOff implements NettyRequestProcessor {
    static final String REFUSAL = "POP consumption is off on the embedded broker of the MQTT gateway;"
            + " use a push or pull consumer, or a broker of your own";
    private static final int[] POP_REQUESTS = {
        RequestCode.POP_MESSAGE, RequestCode.PEEK_MESSAGE, RequestCode.ACK_MESSAGE, RequestCode.BATCH_ACK_MESSAGE,
        RequestCode.CHANGE_MESSAGE_INVISIBLETIME, RequestCode.NOTIFICATION, RequestCode.POLLING_INFO,
    };

    private PopConsumptionOff() {
    }

    /** Before the broker is created: no buffer merger, no revive services, no RocksDB POP store. */
    static void configure(BrokerConfig config) {
        config.setPopConsumerFSServiceInit(false);
        config.setPopConsumerKVServiceInit(false);
    }

    /** After the broker initialized (it registered its POP processors), before it starts. */
    static void refuseRequests(BrokerController broker) {
        PopConsumptionOff refusal = new PopConsumptionOff();
        for (RemotingServer server : new RemotingServer[] {broker.getRemotingServer(), broker.getFastRemotingServer()}) {
            if (server != null) {
                for (int code : POP_REQUESTS) {
                    server.registerProcessor(code, refusal, null);
                }
            }
        }
    }

    /** After the broker started: the long-polling services it starts whatever the configuration. */
    static void stopServices(BrokerController broker) {
        if (broker.getPopMessageProcessor() != null) {
            broker.getPopMessageProcessor().getPopLongPollingService().shutdown();
            broker.getPopMessageProcessor().getQueueLockManager().shutdown();
        }
        if (broker.getNotificationProcessor() != null) {
            broker.getNotificationProcessor().getPopLongPollingService().shutdown();
        }
    }

    @Override
    public RemotingCommand processRequest(ChannelHandlerContext ctx, RemotingCommand request) {
        return RemotingCommand.createResponseCommand(ResponseCode.REQUEST_CODE_NOT_SUPPORTED, REFUSAL);
    }

    @Override
    public boolean rejectRequest() {
        return false;
    }
}
