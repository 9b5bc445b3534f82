package org.rmqtt.common.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.rmqtt.common.mapping.TopicMapper;
import org.rmqtt.common.topic.InvalidTopicException;
import org.rmqtt.common.topic.Topics;

/**
 * The gateway's whole configuration, parsed and validated once at start-up and then passed by
 * constructor. Sources, later wins: defaults, the properties file, {@code --key=value} arguments.
 * An unknown key or a bad value stops start-up with a message naming the key.
 * Every key is documented in docs/configuration.md.
 */
public final class GatewayConfig {

    /** One key: its name, default and parser. The table below is the single list of keys. */
    private record Key<T>(String name, String defaultValue, Function<String, T> parser) {}

    private static final Map<String, Key<?>> KEYS = new LinkedHashMap<>();

    private static <T> Key<T> key(String name, String defaultValue, Function<String, T> parser) {
        Key<T> key = new Key<>(name, defaultValue, parser);
        KEYS.put(name, key);
        return key;
    }

    private static final Key<String> NODE_ID = key("node.id", "", s -> s);
    private static final Key<String> DATA_DIR = key("data.dir", "data", GatewayConfig::nonEmpty);
    private static final Key<String> MQTT_HOST = key("mqtt.host", "0.0.0.0", GatewayConfig::nonEmpty);
    private static final Key<Integer> MQTT_PORT = key("mqtt.port", "1883", GatewayConfig::port);
    private static final Key<Integer> MAX_MESSAGE_SIZE = key("mqtt.maxMessageSize", "1048576", positive(268_435_455));
    private static final Key<Integer> CONNECT_TIMEOUT = key("mqtt.connectTimeoutSeconds", "10", positive(3600));
    private static final Key<Integer> MAX_INFLIGHT = key("mqtt.maxInflight", "32", positive(65_535));
    // TLS and WebSocket listeners; an empty host means mqtt.host. wss uses the mqtt.tls.* certificate.
    private static final Key<Boolean> TLS_ENABLED = key("mqtt.tls.enabled", "false", GatewayConfig::bool);
    private static final Key<String> TLS_HOST = key("mqtt.tls.host", "", s -> s);
    private static final Key<Integer> TLS_PORT = key("mqtt.tls.port", "8883", GatewayConfig::port);
    private static final Key<String> TLS_CERT_FILE = key("mqtt.tls.certFile", "", s -> s);
    private static final Key<String> TLS_KEY_FILE = key("mqtt.tls.keyFile", "", s -> s);
    private static final Key<String> TLS_KEY_PASSWORD_FILE = key("mqtt.tls.keyPasswordFile", "", s -> s);
    private static final Key<String> TLS_CLIENT_AUTH = key("mqtt.tls.clientAuth", "none",
            s -> oneOf(s, "none", "optional", "required"));
    private static final Key<String> TLS_CA_FILE = key("mqtt.tls.caFile", "", s -> s);
    private static final Key<List<String>> TLS_PROTOCOLS = key("mqtt.tls.protocols", "TLSv1.2,TLSv1.3", GatewayConfig::tlsProtocols);
    private static final Key<List<String>> TLS_CIPHERS = key("mqtt.tls.ciphers", "", GatewayConfig::commaList);
    private static final Key<String> TLS_PROVIDER = key("mqtt.tls.provider", "auto", s -> oneOf(s, "auto", "openssl", "jdk"));
    private static final Key<Duration> TLS_HANDSHAKE_TIMEOUT = key("mqtt.tls.handshakeTimeout", "10s",
            s -> positiveDuration(s, Duration.ofMinutes(10)));
    private static final Key<Duration> TLS_RELOAD_INTERVAL = key("mqtt.tls.reloadInterval", "60s", GatewayConfig::duration);
    private static final Key<Boolean> WS_ENABLED = key("mqtt.ws.enabled", "false", GatewayConfig::bool);
    private static final Key<String> WS_HOST = key("mqtt.ws.host", "", s -> s);
    private static final Key<Integer> WS_PORT = key("mqtt.ws.port", "8083", GatewayConfig::port);
    private static final Key<String> WS_PATH = key("mqtt.ws.path", "/mqtt", GatewayConfig::webSocketPath);
    private static final Key<Boolean> WSS_ENABLED = key("mqtt.wss.enabled", "false", GatewayConfig::bool);
    private static final Key<String> WSS_HOST = key("mqtt.wss.host", "", s -> s);
    private static final Key<Integer> WSS_PORT = key("mqtt.wss.port", "8084", GatewayConfig::port);
    private static final Key<String> NOTIFY_HOST = key("notify.host", "127.0.0.1", GatewayConfig::nonEmpty);
    private static final Key<Integer> NOTIFY_PORT = key("notify.port", "10811", GatewayConfig::port);
    private static final Key<Integer> NOTIFY_INLINE_MAX = key("notify.inlineMaxBytes", "1024", atLeastZero(1 << 20, "off"));
    private static final Key<Integer> NOTIFY_INLINE_BATCH = key("notify.inlineBatchBytes", "262144", positive(16 << 20));
    private static final Key<Duration> NOTIFY_LINGER = key("notify.linger", "0", atMost(Duration.ofMillis(100), "must be 0..100ms"));
    private static final Key<Boolean> EMBEDDED = key("rocketmq.embedded", "false", GatewayConfig::bool);
    private static final Key<Boolean> BROKER_PLUGIN = key("rocketmq.dispatchPlugin", "true", GatewayConfig::bool);
    private static final Key<String> NAMESRV = key("rocketmq.namesrv", "", s -> s);
    private static final Key<Integer> EMBEDDED_NAMESRV_PORT = key("rocketmq.embedded.namesrvPort", "9876", GatewayConfig::port);
    private static final Key<Integer> EMBEDDED_BROKER_PORT = key("rocketmq.embedded.brokerPort", "10911", GatewayConfig::port);
    private static final Key<Boolean> EMBEDDED_SYNC_FLUSH = key("rocketmq.embedded.flush", "async", GatewayConfig::syncFlush);
    private static final Key<Boolean> EMBEDDED_IN_PROCESS = key("rocketmq.embedded.inProcess", "true", GatewayConfig::bool);
    private static final Key<String> EMBEDDED_CONSUME_QUEUE = key("rocketmq.embedded.consumeQueue", "file",
            s -> oneOf(s, "file", "rocksdb"));
    private static final Key<Boolean> GATEWAY_ENABLED = key("gateway.enabled", "true", GatewayConfig::bool);
    private static final Key<Boolean> META_EMBEDDED = key("meta.embedded", "false", GatewayConfig::bool);
    private static final Key<String> META_PEERS = key("meta.peers", "", s -> s);
    private static final Key<Boolean> META_EMBEDDED_SYNC_FLUSH = key("meta.embedded.flush", "sync", GatewayConfig::syncFlush);
    private static final Key<String> DEFAULT_TOPIC = key("topic.default", "mqtt_default", GatewayConfig::rocketTopic);
    private static final Key<String> TOPIC_RULES = key("topic.rules", "", s -> s);
    private static final Key<String> REDISPATCH_TOPIC = key("topic.redispatch", "mqtt_redispatch", GatewayConfig::rocketTopic);
    private static final Key<Integer> TOPIC_QUEUES = key("topic.queues", "8", positive(1024));
    private static final Key<String> NOTIFIER_GROUP = key("notifier.group", "rmqtt_notifier", GatewayConfig::nonEmpty);
    private static final Key<Integer> PULL_BATCH = key("delivery.pullBatch", "32", positive(1024));
    private static final Key<Duration> CATCH_UP = key("delivery.catchUp", "1s",
            s -> positiveDuration(s, Duration.ofMinutes(1)));
    private static final Key<Duration> SUBSCRIBE_SYNC = key("subscribe.syncTimeout", "1s",
            s -> positiveDuration(s, Duration.ofMinutes(1)));
    private static final Key<Duration> SESSION_EXPIRY = key("session.expiry", "7d", GatewayConfig::duration);
    private static final Key<Duration> CHECKPOINT_INTERVAL = key("session.checkpointInterval", "1s",
            s -> positiveDuration(s, Duration.ofMinutes(10)));
    /** Retained payloads travel through the Raft log; meta refuses more than 1 MiB. */
    private static final Key<Integer> RETAINED_MAX = key("retained.max", "100000", positive(100_000_000));
    private static final Key<Integer> RETAINED_MAX_PAYLOAD = key("retained.maxPayload", "65536", s -> {
        int n = Integer.parseInt(s);
        if (n < 0 || n > 1 << 20) {
            throw new IllegalArgumentException("must be 0..1048576 (meta keeps retained payloads; 1 MiB is its limit)");
        }
        return n;
    });
    private static final Key<List<String>> SUBSCRIBE_DENY = key("subscribe.deny", "", GatewayConfig::filterList);
    private static final Key<Integer> SUBSCRIBE_MAX = key("subscribe.maxPerSession", "1000", positive(1_000_000));
    private static final Key<Boolean> PUBLISH_DOLLAR = key("publish.allowDollarTopics", "false", GatewayConfig::bool);
    private static final Key<Duration> META_TIMEOUT = key("meta.timeout", "5s",
            s -> positiveDuration(s, Duration.ofMinutes(1)));
    private static final Key<Duration> META_POLL = key("meta.pollInterval", "100ms",
            s -> positiveDuration(s, Duration.ofMinutes(1)));
    private static final Key<Boolean> ADMIN_ENABLED = key("admin.enabled", "true", GatewayConfig::bool);
    private static final Key<String> ADMIN_HOST = key("admin.host", "127.0.0.1", GatewayConfig::nonEmpty);
    private static final Key<Integer> ADMIN_PORT = key("admin.port", "8088", GatewayConfig::port);
    private static final Key<String> ADMIN_TOKEN_FILE = key("admin.tokenFile", "", s -> s);
    /** Limits that shed abuse; 0 turns a count or rate limit off, but see maxConnections() (docs/operations.md, "Limits"). */
    private static final Key<Integer> MAX_CONNECTIONS = key("limits.maxConnections", "0",
            atLeastZero(100_000_000, "what the open-files limit leaves"));
    private static final Key<Integer> MAX_CONNECTIONS_PER_IP = key("limits.maxConnectionsPerIp", "0", atLeastZero(100_000_000, "no limit"));
    private static final Key<Integer> CONNECT_RATE_PER_IP = key("limits.connectRatePerIp", "0", atLeastZero(1_000_000, "no limit"));
    private static final Key<Integer> CONNECT_BURST_PER_IP = key("limits.connectBurstPerIp", "10", positive(1_000_000));
    private static final Key<Integer> MAX_TOPIC_LENGTH = key("limits.maxTopicLength", "65535", positive(Topics.MAX_UTF8_LENGTH));
    private static final Key<Integer> MAX_TOPIC_LEVELS = key("limits.maxTopicLevels", "128", positive(Topics.MAX_UTF8_LENGTH));
    private static final Key<Integer> PUBLISH_RATE = key("limits.publishRatePerClient", "0", atLeastZero(10_000_000, "no limit"));
    private static final Key<Integer> PUBLISH_BURST = key("limits.publishBurstPerClient", "100", positive(10_000_000));
    /** A connection is not read while this many of its messages, or payload bytes, wait for the store. */
    private static final Key<Integer> MAX_STORING = key("limits.maxStoringPerClient", "1024", positive(1_000_000));
    private static final Key<Integer> MAX_STORING_BYTES = key("limits.maxStoringBytesPerClient", "8388608", positive(1 << 30));
    private static final Key<Duration> SLOW_READER_TIMEOUT = key("limits.slowReaderTimeout", "30s",
            atMost(Duration.ofHours(1), "must be 0 (off) or at most 60m"));
    /** Who may connect: the authenticators asked in order; empty = nobody (see docs/configuration.md). */
    private static final Key<List<String>> AUTH_CHAIN = key("auth.chain", "", GatewayConfig::authChain);
    private static final Key<String> AUTH_PASSWORD_FILE = key("auth.passwordFile", "", s -> s);
    private static final Key<String> AUTH_ACL_FILE = key("auth.aclFile", "", s -> s);
    private static final Key<Duration> AUTH_RELOAD = key("auth.reloadInterval", "5s",
            s -> positiveDuration(s, Duration.ofMinutes(60)));
    private static final Key<String> AUTH_HTTP_URL = key("auth.http.url", "", GatewayConfig::httpUrl);
    private static final Key<Duration> AUTH_HTTP_TIMEOUT = key("auth.http.timeout", "5s",
            s -> positiveDuration(s, Duration.ofMinutes(1)));
    private static final Key<Duration> AUTH_HTTP_CACHE_TTL = key("auth.http.cacheTtl", "60s", GatewayConfig::duration);
    private static final Key<String> AUTH_CERTIFICATE_AS = key("auth.certificateAs", "none", s -> switch (s) {
        case "none", "username", "clientId" -> s;
        default -> throw new IllegalArgumentException("must be none, username or clientId");
    });

    private final Map<String, String> raw;
    /** node.id, or one made up once when it is not set. */
    private final String nodeId;

    private GatewayConfig(Map<String, String> raw) {
        this.raw = raw;
        String id = raw.getOrDefault("node.id", "");
        // host:port names a node stably across restarts; with a random port only a random id is unique.
        this.nodeId = !id.isEmpty() ? id
                : "0".equals(raw.get("notify.port")) ? "node-" + java.util.UUID.randomUUID()
                : raw.get("notify.host") + ":" + raw.get("notify.port");
        for (Key<?> key : KEYS.values()) {
            get(key); // parse every value now so that a bad one stops start-up
        }
        try {
            topicMapper();
        } catch (IllegalArgumentException e) {
            throw new ConfigException("topic.rules: " + e.getMessage());
        }
        if (!gatewayEnabled() && !embedded()) {
            throw new ConfigException("gateway.enabled: false needs rocketmq.embedded=true (a process that runs only "
                    + "the embedded RocketMQ); with neither there is nothing to run");
        }
        if (gatewayEnabled() && adminEnabled() && !isLoopback(adminHost()) && adminTokenFile().isEmpty()) {
            throw new ConfigException("admin.tokenFile: must name a file holding the admin API token when admin.host ("
                    + adminHost() + ") is not a loopback address");
        }
        if (authChain().contains("file") && authPasswordFile().isEmpty()) {
            throw new ConfigException("auth.passwordFile: must name the password file when auth.chain contains file");
        }
        if (authChain().contains("http") && authHttpUrl().isEmpty()) {
            throw new ConfigException("auth.http.url: must name the hook's URL when auth.chain contains http");
        }
        if (tlsEnabled() || wssEnabled()) {
            String listener = tlsEnabled() ? "mqtt.tls.enabled" : "mqtt.wss.enabled";
            if (tlsCertFile().isEmpty()) {
                throw new ConfigException("mqtt.tls.certFile: must name the PEM certificate chain when " + listener + "=true");
            }
            if (tlsKeyFile().isEmpty()) {
                throw new ConfigException("mqtt.tls.keyFile: must name the PEM (PKCS#8) private key when " + listener + "=true");
            }
            if (!tlsClientAuth().equals("none") && tlsCaFile().isEmpty()) {
                throw new ConfigException("mqtt.tls.caFile: must name the PEM CA bundle that client certificates are checked "
                        + "against when mqtt.tls.clientAuth=" + tlsClientAuth());
            }
        }
        // A publish waits for a poll when the view is older than subscribe.syncTimeout.
        if (metaPollInterval().compareTo(subscribeSyncTimeout()) >= 0) {
            throw new ConfigException("meta.pollInterval: must be shorter than subscribe.syncTimeout ("
                    + subscribeSyncTimeout().toMillis() + " ms), else publishes wait for the meta view");
        }
        if (!embedded() && namesrv().isEmpty()) {
            throw new ConfigException("rocketmq.namesrv: must name the RocketMQ name server(s), "
                    + "host:port[;host:port], unless rocketmq.embedded=true");
        }
    }

    /** Defaults overridden by {@code values}. */
    public static GatewayConfig of(Map<String, String> values) {
        Map<String, String> raw = new TreeMap<>();
        KEYS.values().forEach(k -> raw.put(k.name(), k.defaultValue()));
        values.forEach((k, v) -> {
            if (!KEYS.containsKey(k)) {
                throw new ConfigException(k + ": unknown configuration key (see docs/configuration.md)");
            }
            raw.put(k, v.trim());
        });
        return new GatewayConfig(raw);
    }

    /** The file (may be null) overridden by {@code --key=value} arguments. */
    public static GatewayConfig load(Path file, String[] args) {
        Map<String, String> values = new LinkedHashMap<>();
        if (file != null) {
            Properties props = new Properties();
            try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                props.load(reader);
            } catch (IOException e) {
                throw new ConfigException("cannot read configuration file " + file + ": " + e.getMessage());
            }
            props.stringPropertyNames().forEach(k -> values.put(k, props.getProperty(k)));
        }
        Map<String, String> given = parseArgs(args);
        values.putAll(given);
        try {
            return of(values);
        } catch (ConfigException e) {
            throw new ConfigException(e.getMessage() + origin(e.getMessage(), file, values, given));
        }
    }

    /** Where the key a message starts with ("key: ...") was set, so the operator knows what to edit. */
    private static String origin(String message, Path file, Map<String, String> all, Map<String, String> args) {
        int colon = message.indexOf(':');
        String key = colon > 0 ? message.substring(0, colon) : "";
        if (args.containsKey(key)) {
            return " (on the command line)";
        }
        if (file == null || key.isEmpty() || !KEYS.containsKey(key) && !all.containsKey(key)) {
            return "";
        }
        return all.containsKey(key) ? " (in " + file + ")" : " (set in neither " + file + " nor the command line)";
    }

    /** {@code --key=value} pairs; anything else is an error that names the argument. */
    public static Map<String, String> parseArgs(String[] args) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (!arg.startsWith("--") || eq < 3) {
                throw new ConfigException(arg + ": arguments must have the form --key=value");
            }
            values.put(arg.substring(2, eq), arg.substring(eq + 1));
        }
        return values;
    }

    /** A copy with some keys changed; for tests and for the standalone launcher. */
    public GatewayConfig with(Map<String, String> changes) {
        Map<String, String> values = new TreeMap<>(raw);
        values.putAll(changes);
        return of(values);
    }

    @SuppressWarnings("unchecked")
    private <T> T get(Key<T> key) {
        String value = raw.get(key.name());
        try {
            return key.parser().apply(value);
        } catch (ConfigException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ConfigException(key.name() + ": invalid value '" + value + "': " + e.getMessage());
        }
    }

    /**
     * This node's id: node.id, else notify.host:notify.port, else (notify.port=0) a random id made
     * once per configuration. A stable id lets a restarted node clean up after its last life.
     */
    public String nodeId() {
        return nodeId;
    }

    public Path dataDir() {
        return Path.of(get(DATA_DIR));
    }

    public String mqttHost() {
        return get(MQTT_HOST);
    }

    public int mqttPort() {
        return get(MQTT_PORT);
    }

    public int maxMessageSize() {
        return get(MAX_MESSAGE_SIZE);
    }

    public int connectTimeoutSeconds() {
        return get(CONNECT_TIMEOUT);
    }

    public int maxInflight() {
        return get(MAX_INFLIGHT);
    }

    /** Whether the MQTT-over-TLS listener runs (mqtt.tls.*). */
    public boolean tlsEnabled() {
        return get(TLS_ENABLED);
    }

    public String tlsHost() {
        return orMqttHost(get(TLS_HOST));
    }

    public int tlsPort() {
        return get(TLS_PORT);
    }

    /** The server's PEM certificate chain, leaf first; also used by the wss listener. */
    public String tlsCertFile() {
        return get(TLS_CERT_FILE);
    }

    /** The server's PEM PKCS#8 private key, possibly encrypted. */
    public String tlsKeyFile() {
        return get(TLS_KEY_FILE);
    }

    /** A file holding the key's password; empty when the key is not encrypted. */
    public String tlsKeyPasswordFile() {
        return get(TLS_KEY_PASSWORD_FILE);
    }

    /** {@code none}, {@code optional} or {@code required}: whether clients present certificates. */
    public String tlsClientAuth() {
        return get(TLS_CLIENT_AUTH);
    }

    /** The PEM CA bundle client certificates must chain to; empty with clientAuth=none. */
    public String tlsCaFile() {
        return get(TLS_CA_FILE);
    }

    public List<String> tlsProtocols() {
        return get(TLS_PROTOCOLS);
    }

    /** Cipher suites to enable; empty means the provider's defaults. */
    public List<String> tlsCiphers() {
        return get(TLS_CIPHERS);
    }

    /** {@code auto} (OpenSSL when its native library loads, else the JDK), {@code openssl} or {@code jdk}. */
    public String tlsProvider() {
        return get(TLS_PROVIDER);
    }

    public Duration tlsHandshakeTimeout() {
        return get(TLS_HANDSHAKE_TIMEOUT);
    }

    /** How often the certificate files are checked for changes; zero means never. */
    public Duration tlsReloadInterval() {
        return get(TLS_RELOAD_INTERVAL);
    }

    /** Whether the MQTT-over-WebSocket listener (ws://) runs. */
    public boolean wsEnabled() {
        return get(WS_ENABLED);
    }

    public String wsHost() {
        return orMqttHost(get(WS_HOST));
    }

    public int wsPort() {
        return get(WS_PORT);
    }

    /** The HTTP path of the WebSocket endpoint, for ws:// and wss://. */
    public String wsPath() {
        return get(WS_PATH);
    }

    /** Whether the MQTT-over-secure-WebSocket listener (wss://) runs, with the mqtt.tls.* certificate. */
    public boolean wssEnabled() {
        return get(WSS_ENABLED);
    }

    public String wssHost() {
        return orMqttHost(get(WSS_HOST));
    }

    public int wssPort() {
        return get(WSS_PORT);
    }

    private String orMqttHost(String host) {
        return host.isEmpty() ? mqttHost() : host;
    }

    public String notifyHost() {
        return get(NOTIFY_HOST);
    }

    public int notifyPort() {
        return get(NOTIFY_PORT);
    }

    public boolean embedded() {
        return get(EMBEDDED);
    }

    /** Whether the brokers run the LMQ dispatch plug-in (the embedded one always does). */
    public boolean brokerPlugin() {
        return embedded() || get(BROKER_PLUGIN);
    }

    public String namesrv() {
        return get(NAMESRV);
    }

    public int embeddedNamesrvPort() {
        return get(EMBEDDED_NAMESRV_PORT);
    }

    public int embeddedBrokerPort() {
        return get(EMBEDDED_BROKER_PORT);
    }

    /**
     * Whether the embedded broker confirms a write only once the commitlog is on disk
     * ({@code rocketmq.embedded.flush=sync}) rather than in the page cache ({@code async}).
     */
    public boolean embeddedSyncFlush() {
        return get(EMBEDDED_SYNC_FLUSH);
    }

    /**
     * Where the embedded broker keeps its consume queues, one per MQTT topic and wildcard filter:
     * {@code file} (a memory-mapped file each) or {@code rocksdb} (one RocksDB for all).
     */
    public String embeddedConsumeQueue() {
        return get(EMBEDDED_CONSUME_QUEUE);
    }

    /**
     * Whether a gateway in the same process as the embedded broker uses its store directly (no
     * remoting, no notify consumer) rather than the remoting path a remote broker needs.
     */
    public boolean embeddedInProcess() {
        return get(EMBEDDED_IN_PROCESS);
    }

    /** False: this process runs only the embedded RocketMQ (and meta if embedded), no MQTT gateway. */
    public boolean gatewayEnabled() {
        return get(GATEWAY_ENABLED);
    }

    /** Whether the embedded meta peer forces its Raft log to disk before a write counts ({@code meta.embedded.flush=sync}). */
    public boolean metaEmbeddedSyncFlush() {
        return get(META_EMBEDDED_SYNC_FLUSH);
    }

    /** Whether this process runs its own single meta peer (standalone mode). */
    public boolean metaEmbedded() {
        return get(META_EMBEDDED);
    }

    /** The meta service's peers, {@code id=host:port,...}; used when meta.embedded=false. */
    public String metaPeers() {
        return get(META_PEERS);
    }

    public String defaultTopic() {
        return get(DEFAULT_TOPIC);
    }

    public String topicRules() {
        return get(TOPIC_RULES);
    }

    /** The MQTT topic → RocketMQ topic mapping of topic.rules and topic.default. */
    public TopicMapper topicMapper() {
        return TopicMapper.parse(topicRules(), defaultTopic());
    }

    /** Where the notifier copies backend messages that a broker without the plug-in did not dispatch. */
    public String redispatchTopic() {
        return get(REDISPATCH_TOPIC);
    }

    public int topicQueues() {
        return get(TOPIC_QUEUES);
    }

    public String notifierGroup() {
        return get(NOTIFIER_GROUP);
    }

    /**
     * Messages with a payload up to this size travel inside their notify event, so a subscriber
     * reading exactly there needs no pull; 0 = events never carry messages.
     */
    public int notifyInlineMaxBytes() {
        return get(NOTIFY_INLINE_MAX);
    }

    /** Inline payload bytes per notify RPC at most; events past that go without their message. */
    public int notifyInlineBatchBytes() {
        return get(NOTIFY_INLINE_BATCH);
    }

    /**
     * How long a notify batch to a node with no RPC under way waits for more events before it is
     * sent; 0 = at once (while an RPC is under way events always gather).
     */
    public Duration notifyLinger() {
        return get(NOTIFY_LINGER);
    }

    public int pullBatch() {
        return get(PULL_BATCH);
    }

    /**
     * How often idle subscriptions compare their read position with their LMQ's end, so a message
     * whose notify event was lost is delivered within about this long.
     */
    public Duration catchUp() {
        return get(CATCH_UP);
    }

    /**
     * How long a SUBACK waits for another gateway to confirm it sees the new filter; also the
     * oldest meta view a gateway stores a message with, so a silent gateway cannot miss it either.
     */
    public Duration subscribeSyncTimeout() {
        return get(SUBSCRIBE_SYNC);
    }

    /** How long a persistent session outlives its last connection; zero means for ever. */
    public Duration sessionExpiry() {
        return get(SESSION_EXPIRY);
    }

    /** How often connected persistent sessions save what changed (read positions, unacknowledged messages). */
    public Duration checkpointInterval() {
        return get(CHECKPOINT_INTERVAL);
    }

    /** How long a call to meta may take before it fails (then a persistent CONNECT gets 0x03). */
    public Duration metaTimeout() {
        return get(META_TIMEOUT);
    }

    /** How often the gateway's meta view asks meta for changes it was not told of. */
    public Duration metaPollInterval() {
        return get(META_POLL);
    }

    /** How many topics may hold a retained message, cluster-wide; a new one beyond it is refused. */
    public int retainedMax() {
        return get(RETAINED_MAX);
    }

    /** The largest payload of a retained message (bytes); a bigger one is refused. */
    public int retainedMaxPayload() {
        return get(RETAINED_MAX_PAYLOAD);
    }

    /** Filters a client may not subscribe to: a requested filter that one of these matches gets SUBACK 0x80. */
    public List<String> subscribeDeny() {
        return get(SUBSCRIBE_DENY);
    }

    /** Subscriptions one session may hold; a SUBSCRIBE beyond it gets 0x80 for the filters over the limit. */
    public int maxSubscriptionsPerSession() {
        return get(SUBSCRIBE_MAX);
    }

    /** Whether devices may publish to topics starting with '$' (kept for server use, MQTT-4.7.2-1). */
    public boolean allowDollarTopics() {
        return get(PUBLISH_DOLLAR);
    }

    /** Whether each gateway serves the admin HTTP API (and /health, /ready). */
    public boolean adminEnabled() {
        return get(ADMIN_ENABLED);
    }

    public String adminHost() {
        return get(ADMIN_HOST);
    }

    public int adminPort() {
        return get(ADMIN_PORT);
    }

    /** The file holding the admin API's bearer token; empty = no token (allowed on loopback only). */
    public String adminTokenFile() {
        return get(ADMIN_TOKEN_FILE);
    }

    /** A loopback host by its spelling alone (no name lookup here). */
    static boolean isLoopback(String host) {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("::1") || host.equals("[::1]");
    }

    /** Connections this gateway accepts at once; 0 = what the open-files limit leaves (the gateway's FileBudget). */
    public int maxConnections() {
        return get(MAX_CONNECTIONS);
    }

    /** Connections this gateway accepts at once from one source address; 0 = no limit. */
    public int maxConnectionsPerIp() {
        return get(MAX_CONNECTIONS_PER_IP);
    }

    /** New connections per second accepted from one source address; 0 = no limit. */
    public int connectRatePerIp() {
        return get(CONNECT_RATE_PER_IP);
    }

    /** New connections one source address may open at once before {@link #connectRatePerIp} applies. */
    public int connectBurstPerIp() {
        return get(CONNECT_BURST_PER_IP);
    }

    /** The longest topic name or filter a client may use, in UTF-8 bytes. */
    public int maxTopicLength() {
        return get(MAX_TOPIC_LENGTH);
    }

    /** The most levels ('/'-separated parts) a topic name or filter may have. */
    public int maxTopicLevels() {
        return get(MAX_TOPIC_LEVELS);
    }

    /** PUBLISH packets per second read from one connection; 0 = no limit. */
    public int publishRatePerClient() {
        return get(PUBLISH_RATE);
    }

    /** PUBLISH packets a connection may send at once before {@link #publishRatePerClient} applies. */
    public int publishBurstPerClient() {
        return get(PUBLISH_BURST);
    }

    /** Messages of one connection that may wait for the store before the gateway stops reading it. */
    public int maxStoringPerClient() {
        return get(MAX_STORING);
    }

    /** Payload bytes of one connection that may wait for the store before the gateway stops reading it. */
    public int maxStoringBytesPerClient() {
        return get(MAX_STORING_BYTES);
    }

    /** How long a connection's write buffer may stay full before it is closed; zero = never. */
    public Duration slowReaderTimeout() {
        return get(SLOW_READER_TIMEOUT);
    }

    /** The authenticators asked in order (anonymous, certificate, file, http); empty: every CONNECT is refused. */
    public List<String> authChain() {
        return get(AUTH_CHAIN);
    }

    /** The password file of the {@code file} authenticator ({@code user:hash} lines), or empty. */
    public String authPasswordFile() {
        return get(AUTH_PASSWORD_FILE);
    }

    /** The ACL file (Mosquitto acl_file syntax), or empty: every client may publish and subscribe to anything. */
    public String authAclFile() {
        return get(AUTH_ACL_FILE);
    }

    /** How often the password and ACL files are checked for a change. */
    public Duration authReloadInterval() {
        return get(AUTH_RELOAD);
    }

    /** The URL the {@code http} authenticator POSTs to, or empty. */
    public String authHttpUrl() {
        return get(AUTH_HTTP_URL);
    }

    /** How long the HTTP hook may take; a later answer refuses the CONNECT with 0x03. */
    public Duration authHttpTimeout() {
        return get(AUTH_HTTP_TIMEOUT);
    }

    /** How long an "allow" of the HTTP hook is reused for the same credentials; 0 = not cached. */
    public Duration authHttpCacheTtl() {
        return get(AUTH_HTTP_CACHE_TTL);
    }

    /** What a verified client certificate's CN stands for: none, username or clientId. */
    public String authCertificateAs() {
        return get(AUTH_CERTIFICATE_AS);
    }

    /** Every key with its effective value, for the start-up log. */
    public Map<String, String> asMap() {
        return Map.copyOf(redacted());
    }

    /** Every key with its value, secrets masked: safe to log. */
    @Override
    public String toString() {
        return redacted().toString();
    }

    /** The values with the credentials a URL may carry (user info, query) masked. */
    private Map<String, String> redacted() {
        Map<String, String> copy = new TreeMap<>(raw);
        copy.computeIfPresent(AUTH_HTTP_URL.name(), (k, v) -> v.replaceAll("//[^/@]*@", "//***@").replaceAll("\\?.*", "?***"));
        return copy;
    }

    // ---- parsers ----

    private static String nonEmpty(String s) {
        if (s.isEmpty()) {
            throw new IllegalArgumentException("must not be empty");
        }
        return s;
    }

    private static String rocketTopic(String s) {
        String problem = TopicMapper.rocketTopicProblem(s);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        return s;
    }

    /** A comma list of valid topic filters, possibly empty. */
    private static List<String> filterList(String s) {
        List<String> filters = new ArrayList<>();
        for (String f : s.split(",")) {
            String filter = f.trim();
            if (filter.isEmpty()) {
                continue;
            }
            try {
                Topics.validateFilter(filter);
            } catch (InvalidTopicException e) {
                throw new IllegalArgumentException("'" + filter + "' is not a valid topic filter: " + e.getMessage());
            }
            filters.add(filter);
        }
        return List.copyOf(filters);
    }

    private static final List<String> AUTHENTICATORS = List.of("anonymous", "certificate", "file", "http");

    /** A comma list of distinct authenticator names. */
    private static List<String> authChain(String s) {
        List<String> chain = new ArrayList<>();
        for (String part : s.split(",")) {
            String name = part.trim();
            if (name.isEmpty()) {
                continue;
            }
            if (!AUTHENTICATORS.contains(name)) {
                throw new IllegalArgumentException("'" + name + "' is not one of " + String.join(", ", AUTHENTICATORS));
            }
            if (chain.contains(name)) {
                throw new IllegalArgumentException("'" + name + "' is listed twice");
            }
            chain.add(name);
        }
        return List.copyOf(chain);
    }

    /** Empty, or an absolute http(s) URL. */
    private static String httpUrl(String s) {
        if (s.isEmpty()) {
            return s;
        }
        java.net.URI uri;
        try {
            uri = new java.net.URI(s);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: " + e.getMessage());
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("must be an http:// or https:// URL with a host");
        }
        return s;
    }

    private static String oneOf(String s, String... allowed) {
        if (!List.of(allowed).contains(s)) {
            throw new IllegalArgumentException("must be one of " + String.join(", ", allowed));
        }
        return s;
    }

    /** A comma list of non-empty values, possibly empty. */
    private static List<String> commaList(String s) {
        List<String> values = new ArrayList<>();
        for (String v : s.split(",")) {
            if (!v.trim().isEmpty()) {
                values.add(v.trim());
            }
        }
        return List.copyOf(values);
    }

    private static List<String> tlsProtocols(String s) {
        List<String> protocols = commaList(s);
        if (protocols.isEmpty()) {
            throw new IllegalArgumentException("must name at least one protocol: TLSv1.2, TLSv1.3");
        }
        for (String p : protocols) {
            oneOf(p, "TLSv1.2", "TLSv1.3");
        }
        return protocols;
    }

    private static String webSocketPath(String s) {
        if (!s.startsWith("/") || s.contains("?") || s.contains("#") || s.contains(" ")) {
            throw new IllegalArgumentException("must be an HTTP path starting with '/', e.g. /mqtt");
        }
        return s;
    }

    private static int port(String s) {
        int port = Integer.parseInt(s);
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("a port is 0..65535 (0 = any free port)");
        }
        return port;
    }

    private static Function<String, Integer> positive(int max) {
        return s -> {
            int n = Integer.parseInt(s);
            if (n < 1 || n > max) {
                throw new IllegalArgumentException("must be 1.." + max);
            }
            return n;
        };
    }

    /** @param zero what 0 means, for the error message */
    private static Function<String, Integer> atLeastZero(int max, String zero) {
        return s -> {
            int n = Integer.parseInt(s);
            if (n < 0 || n > max) {
                throw new IllegalArgumentException("must be 0.." + max + " (0 = " + zero + ")");
            }
            return n;
        };
    }

    /** {@code 0}, or a whole number with a unit: {@code ms}, {@code s}, {@code m}, {@code h}, {@code d}. */
    static Duration duration(String s) {
        if (s.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = Pattern.compile("(\\d{1,12})(ms|s|m|h|d)").matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException("a duration is 0 or a whole number with a unit ms, s, m, h or d, e.g. 7d, 90s");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    /** A duration from 0 to {@code max}; {@code message} says so when it is not. */
    private static Function<String, Duration> atMost(Duration max, String message) {
        return s -> {
            Duration d = duration(s);
            if (d.compareTo(max) > 0) {
                throw new IllegalArgumentException(message);
            }
            return d;
        };
    }

    private static Duration positiveDuration(String s, Duration max) {
        Duration d = duration(s);
        if (d.toMillis() < 1 || d.compareTo(max) > 0) {
            throw new IllegalArgumentException("must be at least 1ms and at most " + max.toMinutes() + "m");
        }
        return d;
    }

    private static boolean syncFlush(String s) {
        return switch (s) {
            case "sync" -> true;
            case "async" -> false;
            default -> throw new IllegalArgumentException("must be sync or async");
        };
    }

    private static boolean bool(String s) {
        if (!s.equals("true") && !s.equals("false")) {
            throw new IllegalArgumentException("must be true or false");
        }
        return Boolean.parseBoolean(s);
    }
}
