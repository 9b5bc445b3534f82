package org.rmqtt.gateway;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.rmqtt.common.config.ConfigException;
import org.rmqtt.common.config.GatewayConfig;
import org.rmqtt.meta.client.MetaPeer;
import org.rmqtt.meta.client.RatisMetaClient;
import org.rmqtt.meta.server.EmbeddedMeta;
import org.rmqtt.meta.MetaClient;
import org.rmqtt.store.embedded.EmbeddedRocketMq;
import org.rmqtt.store.embedded.EmbeddedRocketMq.ConsumeQueues;
import org.rmqtt.store.plugin.LmqDispatchPlugin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a gateway in the foreground: with {@code rocketmq.embedded=true} also a RocketMQ name
 * server and broker in this JVM; with {@code gateway.enabled=false} only those (the RocketMQ side
 * of a cluster on one machine, {@code bin/mqtt-rocketmq}). Arguments are {@code --key=value}
 * overrides of the file named by the {@code rmqtt.conf} system property. Stops cleanly on
 * SIGTERM / Ctrl-C.
 */
public final class StandaloneMain {
    private static final Logger LOG = LoggerFactory.getLogger(StandaloneMain.class);

    private StandaloneMain() {
    }

    public static void main(String[] args) {
        // Binary RocketMQ remoting headers instead of JSON: every publish crosses remoting. Brokers
        // of 4.x and 5.x read both; an operator can still choose JSON with the property.
        if (System.getProperty("rocketmq.serialize.type") == null && System.getenv("ROCKETMQ_SERIALIZE_TYPE") == null) {
            System.setProperty("rocketmq.serialize.type", "ROCKETMQ");
        }
        GatewayConfig config;
        try {
            String file = System.getProperty("rmqtt.conf");
            config = GatewayConfig.load(file == null ? null : Path.of(file), args);
        } catch (ConfigException e) {
            System.err.println("Configuration error: " + e.getMessage());
            System.exit(2);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runnable stop;
        try {
            stop = start(config);
        } catch (ConfigException e) {
            System.err.println("Configuration error: " + e.getMessage());
            System.exit(2);
            return;
        } catch (RuntimeException e) {
            LOG.error("Start-up failed: {}", e.getMessage(), e);
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("Shutting down");
            stop.run();
            stopped.countDown();
        }, "rmqtt-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Starts everything the config asks for; returns what stops it all, in reverse order. */
    static Runnable start(GatewayConfig config) {
        Path data = config.dataDir().toAbsolutePath();
        createDirectories(data);
        ConsumeQueues consumeQueues = config.embedded() ? consumeQueues(config, data.resolve("rocketmq")) : null;
        // A RocketMQ-only process needs meta only to tell its plug-in the wildcard filters in use;
        // without meta the plug-in still dispatches device messages to the filters gateways name.
        MetaClient meta = config.gatewayEnabled() || config.metaEmbedded() || !config.metaPeers().isEmpty()
                ? startMeta(config, data) : null;
        EmbeddedRocketMq rocketMq = null;
        try {
            if (config.embedded()) {
                if (meta != null) {
                    // The broker plug-in learns the wildcard filters in use from this process's meta.
                    LmqDispatchPlugin.useWildcardFilters(meta::matchingWildcardFilters);
                }
                rocketMq = EmbeddedRocketMq.start(data.resolve("rocketmq"), config.embeddedNamesrvPort(),
                        config.embeddedBrokerPort(), true, config.embeddedSyncFlush(), consumeQueues);
                List<String> topics = new ArrayList<>(config.topicMapper().rocketTopics());
                topics.add(config.redispatchTopic());
                rocketMq.createTopics(topics, config.topicQueues());
                config = config.with(Map.of("rocketmq.namesrv", rocketMq.namesrvAddress()));
            }
            Gateway gateway = null;
            if (config.gatewayEnabled()) {
                gateway = new Gateway(config, meta, rocketMq);
                gateway.start();
            } else {
                LOG.info("RocketMQ only (gateway.enabled=false): name server {}", config.namesrv());
            }
            Gateway started = gateway;
            EmbeddedRocketMq broker = rocketMq;
            return () -> {
                // The gateway first: it saves its sessions to meta and finishes its sends to the
                // broker. Then the broker and meta side by side: once the gateway is gone the broker
                // reads only its in-memory copy of meta's filters (the plug-in), and the broker's
                // flush takes longest. Each step logs its duration: a stop must stay short, systemd
                // and container runtimes kill what overstays.
                long start = System.nanoTime();
                if (started != null) {
                    started.close();
                    LOG.info("Gateway stopped in {} ms", millisSince(start));
                }
                Thread metaStop = null;
                if (meta != null) {
                    metaStop = new Thread(() -> {
                        long metaStart = System.nanoTime();
                        meta.close();
                        LOG.info("Meta stopped in {} ms", millisSince(metaStart));
                    }, "rmqtt-meta-shutdown");
                    metaStop.start();
                }
                if (broker != null) {
                    broker.close();
                }
                if (metaStop != null) {
                    try {
                        metaStop.join();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                LOG.info("Stopped in {} ms", millisSince(start));
            };
        } catch (RuntimeException e) {
            if (rocketMq != null) {
                rocketMq.close();
            }
            if (meta != null) {
                meta.close();
            }
            throw e;
        }
    }

    private static long millisSince(long nanoTime) {
        return java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanoTime);
    }

    /** One meta peer in this process, or a client of the meta service. */
    private static MetaClient startMeta(GatewayConfig config, Path data) {
        if (config.metaEmbedded()) {
            try {
                boolean sync = config.metaEmbeddedSyncFlush();
                return EmbeddedMeta.start(data.resolve("meta"), c -> c.withLogSync(sync),
                        peers -> RatisMetaClient.Config.of(peers).withPollInterval(config.metaPollInterval()));
            } catch (java.io.IOException e) {
                throw new GatewayException("cannot start the embedded meta peer in " + data.resolve("meta") + ": " + e.getMessage(), e);
            }
        }
        if (config.metaPeers().isEmpty()) {
            throw new ConfigException("meta.peers: must list the meta service's peers, id=host:port[,id=host:port...], "
                    + "unless meta.embedded=true");
        }
        List<MetaPeer> peers;
        try {
            peers = MetaPeer.parseList(config.metaPeers());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("meta.peers: " + e.getMessage());
        }
        return RatisMetaClient.connect(RatisMetaClient.Config.of(peers).withCallTimeout(config.metaTimeout())
                .withPollInterval(config.metaPollInterval())).awaitView();
    }

    /** The configured kind, refused with the key's name when the broker data was written with the other. */
    private static ConsumeQueues consumeQueues(GatewayConfig config, Path brokerData) {
        ConsumeQueues wanted = ConsumeQueues.valueOf(config.embeddedConsumeQueue().toUpperCase(Locale.ROOT));
        ConsumeQueues.onDisk(brokerData).filter(found -> found != wanted).ifPresent(found -> {
            throw new ConfigException("rocketmq.embedded.consumeQueue: is " + config.embeddedConsumeQueue()
                    + ", but the broker data in " + brokerData + " was written with "
                    + found.name().toLowerCase(Locale.ROOT) + "; RocketMQ does not convert one into the other");
        });
        return wanted;
    }

    private static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new ConfigException("data.dir: cannot create " + dir + ": " + e.getMessage());
        }
    }
}
