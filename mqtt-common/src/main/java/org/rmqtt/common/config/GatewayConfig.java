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
    private static final Key<String> NOTIFY_HOST = key("notify.host", "127.0.0.1", GatewayConfig::nonEmpty);
    private static final Key<Integer> NOTIFY_PORT = key("notify.port", "10811", GatewayConfig::port);
    private static final Key<Boolean> EMBEDDED = key("rocketmq.embedded", "false", GatewayConfig::bool);
    private static final Key<Boolean> BROKER_PLUGIN = key("rocketmq.dispatchPlugin", "true", GatewayConfig::bool);
    private static final Key<String> NAMESRV = key("rocketmq.namesrv", "", s -> s);
    private static final Key<Integer> EMBEDDED_NAMESRV_PORT = key("rocketmq.embedded.namesrvPort", "9876", GatewayConfig::port);
    private static final Key<Integer> EMBEDDED_BROKER_PORT = key("rocketmq.embedded.brokerPort", "10911", GatewayConfig::port);
    private static final Key<Boolean> EMBEDDED_SYNC_FLUSH = key("rocketmq.embedded.flush", "async", GatewayConfig::syncFlush);
    private static final Key<Boolean> EMBEDDED_IN_PROCESS = key("rocketmq.embedded.inProcess", "true", GatewayConfig::bool);
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
        values.putAll(parseArgs(args));
        return of(values);
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

    /** Every key with its effective value, for the start-up log. */
    public Map<String, String> asMap() {
        return Map.copyOf(raw);
    }

    @Override
    public String toString() {
        return new TreeMap<>(raw).toString();
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
