package org.rmqtt.store.embedded;

import java.lang.reflect.Field;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import org.apache.rocketmq.broker.BrokerController;
import org.apache.rocketmq.remoting.RemotingClient;
import org.apache.rocketmq.remoting.netty.NettyRemotingClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pools whose size RocketMQ 5.3.3 fixes in code at four core threads, for work that here concerns
 * the one name server of this process: the broker's registration with it (every 30 s) and its
 * client's check that the name server is reachable (every 3 s; the name server's own client does
 * not check, see {@link EmbeddedRocketMq}). A core thread is started for each task until there are
 * four, so after 12 s each pool holds four threads that wait for one task at a time. Cut to one
 * core thread (the maximum and queue stay). On any mismatch with the running RocketMQ a pool keeps
 * its size (one DEBUG line).
 */
final class FixedPools {
    private static final Logger LOG = LoggerFactory.getLogger(FixedPools.class);

    private FixedPools() {
    }

    /** Right after both started (at most one task of each pool ran by then). */
    static void shrink(BrokerController broker) {
        oneCoreThread(broker.getBrokerOuterAPI().getBrokerOuterExecutor(), "broker registration");
        oneCoreThread(scanExecutor(broker.getBrokerOuterAPI().getRemotingClient()), "broker's name server check");
    }

    private static ExecutorService scanExecutor(RemotingClient client) {
        if (!(client instanceof NettyRemotingClient)) {
            return null;
        }
        try {
            Field field = NettyRemotingClient.class.getDeclaredField("scanExecutor");
            field.setAccessible(true);
            return (ExecutorService) field.get(client);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debug("No scan pool found in {}: {}", client.getClass().getName(), e.toString());
            return null;
        }
    }

    private static void oneCoreThread(ExecutorService pool, String what) {
        if (!(pool instanceof ThreadPoolExecutor executor)) {
            LOG.debug("The pool for the {} keeps its size: {}", what, pool);
        } else if (executor.getCorePoolSize() > 1) {
            // Threads above the core end once idle for the pool's keep-alive.
            executor.setCorePoolSize(1);
        }
    }
}
