package org.rmqtt.store.embedded;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.rocketmq.broker.BrokerController;
import org.apache.rocketmq.common.BrokerConfig;
import org.apache.rocketmq.common.MQVersion;
import org.apache.rocketmq.common.TopicConfig;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.common.constant.PermName;
import org.apache.rocketmq.common.namesrv.NamesrvConfig;
import org.apache.rocketmq.namesrv.NamesrvController;
import org.apache.rocketmq.remoting.netty.NettyClientConfig;
import org.apache.rocketmq.remoting.netty.NettyServerConfig;
import org.apache.rocketmq.store.DefaultMessageStore;
import org.apache.rocketmq.store.ReputOnWrite;
import org.apache.rocketmq.store.StoreType;
import org.apache.rocketmq.store.config.FlushDiskType;
import org.apache.rocketmq.store.config.MessageStoreConfig;
import org.rmqtt.common.health.OpenFiles;
import org.rmqtt.store.StoreException;
import org.rmqtt.store.plugin.LmqDispatchPlugin;
import org.rmqtt.store.rocketmq.RemotingHousekeeping;
import org.rmqtt.store.rocketmq.RemotingShutdown;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A RocketMQ name server and one broker in this JVM, for standalone mode and for tests. LMQ and
 * multi-dispatch are on, the dispatch plug-in is loaded, files stay under {@code dataDir}.
 */
public final class EmbeddedRocketMq implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedRocketMq.class);
    public static final String CLUSTER = "rmqtt";
    public static final String BROKER_NAME = "broker-a";
    private static final String HOST = "127.0.0.1";
    /**
     * The dispatch runs on each write; without one, this often. Every write of the broker passes
     * the plug-in and signals, so this is a safety net, and each poll costs an idle wake-up.
     */
    private static final long DISPATCH_IDLE_POLL_MS = 100;
    /** LMQs (MQTT topics and wildcard filters with a queue) one broker serves at most. */
    static final int MAX_LMQS = 1_000_000;
    private static final long MAPS_KEPT = 5_000;
    /**
     * RocketMQ's own size of a commitlog file. Each file kept (72 h by default) is an open file and
     * a memory mapping, which count against the same limits as the LMQs; files are sparse, so a
     * new one takes disk space only as it is written.
     */
    static final int COMMITLOG_FILE_SIZE = 1 << 30;

    private final NamesrvController namesrv;
    private final BrokerController broker;
    private final String namesrvAddress;
    private final InProcessNotifier notifier;
    private final boolean dispatchPlugin;
    private final DelayedDeliveryOnDemand delayedDelivery;

    private EmbeddedRocketMq(NamesrvController namesrv, BrokerController broker, String namesrvAddress,
                             InProcessNotifier notifier, boolean dispatchPlugin, DelayedDeliveryOnDemand delayedDelivery) {
        this.namesrv = namesrv;
        this.broker = broker;
        this.namesrvAddress = namesrvAddress;
        this.notifier = notifier;
        this.dispatchPlugin = dispatchPlugin;
        this.delayedDelivery = delayedDelivery;
    }

    /**
     * Where the broker keeps its consume queues: per queue, the index of its messages in the
     * commitlog. Every MQTT topic that carried a message and every wildcard filter in use is such a
     * queue (an LMQ), so at many topics this decides what the broker holds open.
     */
    public enum ConsumeQueues {
        /**
         * RocketMQ's default: a memory-mapped file per queue, each one open file and one mapping
         * for as long as the broker runs. The open-files limit and {@code vm.max_map_count} (65530
         * by default) bound the number of topics; past them RocketMQ would stall its writes and then
         * skip the index entry, so the dispatch plug-in refuses new LMQs before ({@link #fileLmqLimit}).
         */
        FILE(StoreType.DEFAULT, "files"),
        /** One RocksDB for all queues (RocketMQ's {@code storeType=defaultRocksDB}): nothing open per queue. */
        ROCKSDB(StoreType.DEFAULT_ROCKSDB, "RocksDB");

        private final StoreType storeType;
        private final String where;

        ConsumeQueues(StoreType storeType, String where) {
            this.storeType = storeType;
            this.where = where;
        }

        /**
         * What the broker data under {@code dataDir} (as passed to {@link #start}) uses, or empty
         * while it holds no consume queue. RocksDB keeps its files in the directory that otherwise
         * holds a directory per topic.
         */
        public static Optional<ConsumeQueues> onDisk(Path dataDir) {
            Path dir = dataDir.resolve("store").resolve("consumequeue");
            if (Files.exists(dir.resolve("CURRENT"))) {
                return Optional.of(ROCKSDB);
            }
            try (Stream<Path> entries = Files.list(dir)) {
                return entries.anyMatch(Files::isDirectory) ? Optional.of(FILE) : Optional.empty();
            } catch (NoSuchFileException e) {
                return Optional.empty();
            } catch (IOException e) {
                throw new StoreException("cannot read " + dir + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * Starts both. A port of 0 picks free ports. The broker also listens on its port - 2 (fast
     * channel), on 127.0.0.1 like the rest; its replication is off ({@link ReplicationOff}).
     */
    public static EmbeddedRocketMq start(Path dataDir, int namesrvPort, int brokerPort) {
        return start(dataDir, namesrvPort, brokerPort, true);
    }

    /** As {@link #start(Path, int, int)}; without the plug-in it behaves as an untouched external broker. */
    public static EmbeddedRocketMq start(Path dataDir, int namesrvPort, int brokerPort, boolean dispatchPlugin) {
        return start(dataDir, namesrvPort, brokerPort, dispatchPlugin, false);
    }

    /**
     * As {@link #start(Path, int, int, boolean)}. With {@code syncFlush} the broker confirms a write
     * only once the commitlog is forced to disk (SYNC_FLUSH: survives a power loss); otherwise
     * once it is in the page cache (ASYNC_FLUSH: survives a crash of this process, not of the machine).
     */
    public static EmbeddedRocketMq start(Path dataDir, int namesrvPort, int brokerPort, boolean dispatchPlugin,
            boolean syncFlush) {
        return start(dataDir, namesrvPort, brokerPort, dispatchPlugin, syncFlush, ConsumeQueues.FILE);
    }

    /**
     * As {@link #start(Path, int, int, boolean, boolean)}, with the consume queues where {@code consumeQueues}
     * says. Data written with the other kind is refused: RocketMQ does not convert one into the other.
     */
    public static EmbeddedRocketMq start(Path dataDir, int namesrvPort, int brokerPort, boolean dispatchPlugin,
            boolean syncFlush, ConsumeQueues consumeQueues) {
        ConsumeQueues.onDisk(dataDir).filter(found -> found != consumeQueues).ifPresent(found -> {
            throw new StoreException("the broker data in " + dataDir + " keeps its consume queues in " + found.where
                    + ", not in " + consumeQueues.where + "; start it as it was written, or with an empty data directory");
        });
        // The broker and RocksDB write below user.home unless told otherwise.
        System.setProperty("rocketmq.home.dir", dataDir.toString());
        System.setProperty("tls.server.mode", System.getProperty("tls.server.mode", "disabled"));
        // The launchers of namesrv and broker set this; without it a broker registers with
        // protocol version 0 and the name server drops its topic routes.
        System.setProperty(RemotingCommand.REMOTING_VERSION_KEY, Integer.toString(MQVersion.CURRENT_VERSION));
        try {
            Files.createDirectories(dataDir);
            int nsPort = namesrvPort == 0 ? freePort() : namesrvPort;
            NettyServerConfig nsNetty = new NettyServerConfig();
            nsNetty.setBindAddress(HOST);
            nsNetty.setListenPort(nsPort);
            NamesrvConfig nsConfig = new NamesrvConfig();
            nsConfig.setRocketmqHome(dataDir.toString());
            nsConfig.setKvConfigPath(dataDir.resolve("namesrv/kvConfig.json").toString());
            nsConfig.setConfigStorePath(dataDir.resolve("namesrv/namesrv.properties").toString());
            // Sized for one small node: a pool's threads are created by its first tasks and then stay.
            // Registrations and admin requests of one broker: one thread (route queries have their own pool).
            nsConfig.setDefaultThreadPoolNums(1);
            nsConfig.setClientRequestThreadPoolNums(2);
            smallServer(nsNetty);
            NettyClientConfig nsClient = smallClient();
            // The name server's client reaches brokers only; checking every 3 s that the name
            // server (itself) is reachable serves nothing and costs a thread.
            nsClient.setScanAvailableNameSrv(false);
            NamesrvController namesrv = new NamesrvController(nsConfig, nsNetty, nsClient);
            if (!namesrv.initialize()) {
                throw new StoreException("embedded RocketMQ name server failed to initialize");
            }
            RemotingHousekeeping.share(namesrv.getRemotingServer());
            RemotingHousekeeping.share(namesrv.getRemotingClient());
            namesrv.start();
            RemotingShutdown.stopIdleEventThread(namesrv.getRemotingClient());
            String nsAddr = HOST + ":" + nsPort;

            int port = brokerPort == 0 ? freeBrokerPort() : brokerPort;
            BrokerConfig brokerConfig = new BrokerConfig();
            brokerConfig.setBrokerName(BROKER_NAME);
            brokerConfig.setBrokerClusterName(CLUSTER);
            brokerConfig.setBrokerIP1(HOST);
            brokerConfig.setBrokerIP2(HOST);
            brokerConfig.setNamesrvAddr(nsAddr);
            brokerConfig.setListenPort(port);
            brokerConfig.setRocketmqHome(dataDir.toString());
            brokerConfig.setAutoCreateSubscriptionGroup(true);
            brokerConfig.setAutoCreateTopicEnable(false);
            // Under a burst, sends wait in the broker's queue; past this it answers "busy".
            brokerConfig.setWaitTimeMillsInSendQueue(1_000);
            smallPools(brokerConfig);
            PopConsumptionOff.configure(brokerConfig);
            if (dispatchPlugin) {
                brokerConfig.setMessageStorePlugIn(LmqDispatchPlugin.class.getName());
            }
            NettyServerConfig brokerNetty = new NettyServerConfig();
            brokerNetty.setBindAddress(HOST);
            brokerNetty.setListenPort(port);
            smallServer(brokerNetty);
            MessageStoreConfig store = new MessageStoreConfig();
            Path storeRoot = dataDir.resolve("store");
            store.setStorePathRootDir(storeRoot.toString());
            store.setStorePathCommitLog(storeRoot.resolve("commitlog").toString());
            store.setMappedFileSizeCommitLog(commitLogFileSize(storeRoot.resolve("commitlog")));
            store.setMappedFileSizeConsumeQueue(400_000 * 20);
            store.setHaListenPort(freePort());
            store.setEnableLmq(true);
            store.setEnableMultiDispatch(true);
            // The dispatch plug-in refuses a message that needs a new LMQ past this.
            int lmqLimit = consumeQueues == ConsumeQueues.FILE ? fileLmqLimit(OpenFiles.limit(), maxMapCount()) : MAX_LMQS;
            store.setMaxLmqConsumeQueueNum(lmqLimit);
            // The timer wheel (messages with a delivery time) is off: its flush took up to a third
            // of the CPU of an otherwise idle standalone process, and such a message is refused
            // (WHEEL_TIMER_NOT_ENABLE) rather than lost. Delay levels stay on, started on demand.
            store.setTimerWheelEnable(false);
            // Nothing here looks messages up by key; the index costs a large mapped file and work per message.
            store.setMessageIndexEnable(false);
            // Compacted topics keep working; their compaction runs on one thread, not one per core.
            store.setCompactionThreadNum(1);
            store.setStoreType(consumeQueues.storeType.getStoreType());
            store.setFlushDiskType(syncFlush ? FlushDiskType.SYNC_FLUSH : FlushDiskType.ASYNC_FLUSH);
            UnusedBrokerServices.configure(brokerConfig, store);
            BrokerController broker = new BrokerController(brokerConfig, brokerNetty, smallClient(), store);
            if (!broker.initialize()) {
                namesrv.shutdown();
                throw new StoreException("embedded RocketMQ broker failed to initialize (data in " + storeRoot + ")");
            }
            PopConsumptionOff.refuseRequests(broker);
            ReplicationOff.install(broker.getMessageStore().getCommitLog().getMessageStore());
            if (broker.getMessageStore() instanceof LmqDispatchPlugin plugin
                    && plugin.getCommitLog().getMessageStore() instanceof DefaultMessageStore defaultStore) {
                // Every write passes the plug-in, which tells the dispatch; the poll is a safety net.
                ReputOnWrite dispatch = ReputOnWrite.install(defaultStore, DISPATCH_IDLE_POLL_MS, TimeUnit.MILLISECONDS);
                if (dispatch != null) {
                    plugin.dispatchOnWrites(dispatch);
                }
            }
            // Registered before the store's reput thread starts, which walks the list unguarded.
            InProcessNotifier notifier = new InProcessNotifier(BROKER_NAME, broker.getMessageStore());
            broker.getMessageStore().addDispatcher(notifier);
            DelayedDeliveryOnDemand delayedDelivery = new DelayedDeliveryOnDemand(broker);
            broker.getMessageStore().addDispatcher(delayedDelivery);
            RemotingHousekeeping.share(broker.getRemotingServer());
            RemotingHousekeeping.share(broker.getFastRemotingServer());
            RemotingHousekeeping.share(broker.getBrokerOuterAPI().getRemotingClient());
            broker.start();
            RemotingShutdown.stopIdleEventThread(broker.getBrokerOuterAPI().getRemotingClient());
            PopConsumptionOff.stopServices(broker);
            UnusedBrokerServices.stop(broker);
            QuietBrokerLoops.apply(broker);
            FixedPools.shrink(broker);
            delayedDelivery.idleUntilNeeded();
            LOG.info("Embedded RocketMQ started: name server {}, broker {} at {}:{}, {}, consume queues in {} (at most {}),"
                    + " data {}", nsAddr, BROKER_NAME, HOST, port, store.getFlushDiskType(), consumeQueues.where, lmqLimit, dataDir);
            return new EmbeddedRocketMq(namesrv, broker, nsAddr, notifier, dispatchPlugin, delayedDelivery);
        } catch (StoreException e) {
            throw e;
        } catch (Exception e) {
            throw new StoreException("embedded RocketMQ failed to start: " + e.getMessage(), e);
        }
    }

    /**
     * Creates (or updates) first-level topics and waits until the name server routes them, so a
     * client started next finds them.
     */
    public void createTopics(Collection<String> topics, int queues) {
        for (String topic : topics) {
            TopicConfig config = new TopicConfig(topic, queues, queues, PermName.PERM_READ | PermName.PERM_WRITE);
            broker.getTopicConfigManager().updateTopicConfig(config);
        }
        broker.registerBrokerAll(true, false, true);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (String topic : topics) {
            while (namesrv.getRouteInfoManager().pickupTopicRouteData(topic) == null) {
                if (System.nanoTime() > deadline) {
                    throw new StoreException("embedded name server did not learn the route of topic " + topic
                            + "; it knows " + new String(namesrv.getRouteInfoManager().getAllTopicList().encode())
                            + " brokers " + new String(namesrv.getRouteInfoManager().getAllClusterInfo().encode())
                            + " broker topics " + broker.getTopicConfigManager().getTopicConfigTable().keySet());
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new StoreException("interrupted while creating topics");
                }
            }
        }
    }

    public String namesrvAddress() {
        return namesrvAddress;
    }

    public BrokerController broker() {
        return broker;
    }

    /**
     * Whether the broker runs the LMQ dispatch plug-in. Without it a backend's message reaches
     * MQTT subscribers only through the notifier's redispatch, which needs the remoting path.
     */
    public boolean dispatchPlugin() {
        return dispatchPlugin;
    }

    /** Consume queues the broker holds (LMQs and its topics' queues); see {@link #consumeQueueLimit()}. */
    public int consumeQueueCount() {
        return broker.getMessageStore().getQueueStore().getConsumeQueueTable().size();
    }

    /** Past this many consume queues the dispatch plug-in refuses messages that need a new LMQ. */
    public int consumeQueueLimit() {
        return broker.getMessageStoreConfig().getMaxLmqConsumeQueueNum();
    }

    /** Whether each consume queue is a file this process holds open (else one RocksDB holds them all). */
    public boolean consumeQueuesInFiles() {
        return ConsumeQueues.FILE.storeType.getStoreType().equals(broker.getMessageStoreConfig().getStoreType());
    }

    /** Where a gateway in this process learns of new messages from the store's dispatch. */
    public InProcessNotifier notifier() {
        return notifier;
    }

    /**
     * Stops the broker, which flushes the commitlog, consume queues and offsets to disk, and the
     * name server. RocketMQ's own shutdown stops one part after the other and waits for threads
     * that end only on their own timer; in turn these waits made a stop take 10 s or more. So:
     * <ul>
     * <li>the remoting event threads (a 3 s poll each, holding nothing) are ended with an interrupt;
     * <li>the broker's servers close first: no request arrives from here on;
     * <li>then the store's shutdown (a fixed 3 s grace for writes in progress, then the flush) runs
     *     beside the rest of the broker's shutdown and the name server's shutdown, instead of
     *     after them. The broker's own call of the store's shutdown then returns at once.
     * </ul>
     * A write that a broker service attempts during its own stop (delayed messages, transaction
     * markers; none of them used by the gateway) is refused by the
     * stopping store and stays where it came from, as after any refused write.
     */
    @Override
    public void close() {
        long start = System.nanoTime();
        delayedDelivery.close();
        RemotingShutdown.stopEventThread(broker.getRemotingServer());
        RemotingShutdown.stopEventThread(broker.getFastRemotingServer());
        RemotingShutdown.stopEventThread(broker.getBrokerOuterAPI().getRemotingClient());
        RemotingShutdown.stopEventThread(namesrv.getRemotingServer());
        RemotingShutdown.stopEventThread(namesrv.getRemotingClient());
        broker.getRemotingServer().shutdown();
        if (broker.getFastRemotingServer() != null) {
            broker.getFastRemotingServer().shutdown();
        }
        List<Thread> beside = new ArrayList<>();
        beside.add(new Thread(broker.getMessageStore()::shutdown, "rmqtt-store-shutdown"));
        // The broker tells the name server it leaves; a name server already gone refuses the
        // connection at once, which is fine when it stops too.
        beside.add(new Thread(namesrv::shutdown, "rmqtt-namesrv-shutdown"));
        beside.forEach(Thread::start);
        broker.shutdown();
        for (Thread t : beside) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        LOG.info("Embedded RocketMQ stopped in {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }

    /**
     * Pools for a node of a couple of cores. The broker's defaults (16-32 threads for pulls, client
     * and consumer management, admin, ...) are for a dedicated broker host; each pool grows to
     * its full size under modest traffic and its threads then stay.
     */
    private static void smallPools(BrokerConfig config) {
        // One send thread (RocketMQ's default up to 4.8) stores a connection's pipelined sends in
        // the order they arrive; with two, concurrent sends to one queue were stored in either
        // order, and devices got a backend's commands out of order. Appends take the commitlog's
        // lock one at a time anyway, and a standalone gateway's own writes do not come through here.
        config.setSendMessageThreadPoolNums(1);
        config.setPutMessageFutureThreadPoolNums(2);
        config.setPullMessageThreadPoolNums(4);
        config.setLitePullMessageThreadPoolNums(2);
        config.setAckMessageThreadPoolNums(2);
        config.setProcessReplyMessageThreadPoolNums(2);
        config.setQueryMessageThreadPoolNums(2);
        config.setAdminBrokerThreadPoolNums(2);
        config.setClientManageThreadPoolNums(2);
        config.setConsumerManageThreadPoolNums(2);
        config.setHeartbeatThreadPoolNums(2);
        config.setEndTransactionThreadPoolNums(2);
        config.setLoadBalanceProcessorThreadPoolNums(2);
        config.setRecoverThreadPoolNums(2);
        // POP consumption is off (PopConsumptionOff); one revive queue, not eight, for its topic.
        config.setReviveQueueNum(1);
    }

    /**
     * The size of the commitlog files in {@code dir}, which RocketMQ loads only at the size it is
     * configured with (earlier builds wrote 32 MB files); {@link #COMMITLOG_FILE_SIZE} for a new store.
     */
    static int commitLogFileSize(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            // RocketMQ removes an empty last file at start; any other file has the configured size.
            return files.filter(Files::isRegularFile).sorted().map(EmbeddedRocketMq::length).filter(n -> n > 0)
                    .findFirst().map(Math::toIntExact).orElse(COMMITLOG_FILE_SIZE);
        } catch (NoSuchFileException e) {
            return COMMITLOG_FILE_SIZE;
        } catch (IOException e) {
            throw new StoreException("cannot read " + dir + ": " + e.getMessage(), e);
        }
    }

    private static long length(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new StoreException("cannot read the size of " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * With file consume queues every LMQ holds an open file and a memory mapping while the broker
     * runs: at most half the open-files limit (the other half for connections and the process's
     * own files) and the kernel's map count less {@value #MAPS_KEPT} (the JVM, commitlog and RocksDB
     * map about 600 in standalone).
     */
    static int fileLmqLimit(long openFiles, long maxMapCount) {
        return (int) Math.max(0, Math.min(MAX_LMQS, Math.min(openFiles / 2, maxMapCount - MAPS_KEPT)));
    }

    /** The kernel's {@code vm.max_map_count}; unknown (not Linux) counts as no limit. */
    private static long maxMapCount() {
        try {
            // Not Files.readString: on JDK 17 it returns the first character of this file only.
            return Long.parseLong(Files.readAllLines(Path.of("/proc/sys/vm/max_map_count")).get(0).trim());
        } catch (IOException | RuntimeException e) {
            return Long.MAX_VALUE;
        }
    }

    private static void smallServer(NettyServerConfig config) {
        config.setServerWorkerThreads(2);
        config.setServerSelectorThreads(1);
        config.setServerCallbackExecutorThreads(1);
        // The codec thread stays (serverNettyWorkerGroupEnable): without it, RocketMQ 5.3.3 still
        // runs its TLS-mode detection on that group, and the first request's bytes can overtake
        // one another (seen as "Adjusted frame length exceeds" and a failed broker registration).
    }

    private static NettyClientConfig smallClient() {
        NettyClientConfig config = new NettyClientConfig();
        config.setClientWorkerThreads(1);
        config.setClientCallbackExecutorThreads(1);
        config.setDisableNettyWorkerGroup(true); // as ClientInstances does
        return config;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(HOST, 0));
            return socket.getLocalPort();
        }
    }

    /** The broker needs its port and port - 2 (its "fast" channel) free. */
    private static int freeBrokerPort() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int port = freePort();
            if (port > 1026 && isFree(port - 2)) {
                return port;
            }
        }
        throw new IOException("no free port pair for the broker found");
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(HOST, port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
