package org.rmqtt.bench.scenario;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.rmqtt.bench.cli.ConnectionOptions;
import org.rmqtt.bench.cli.Durations;
import org.rmqtt.bench.cli.LoadOptions;
import org.rmqtt.bench.cli.Rate;
import org.rmqtt.bench.cli.RateConverter;
import org.rmqtt.bench.cli.Validate;
import org.rmqtt.bench.env.Preflight;
import org.rmqtt.bench.env.ProcStatus;
import org.rmqtt.bench.load.Lane;
import org.rmqtt.bench.load.LoadResult;
import org.rmqtt.bench.load.LoadRun;
import org.rmqtt.bench.load.Meter;
import org.rmqtt.bench.load.Sink;
import org.rmqtt.bench.mqtt.ClientFactory;
import org.rmqtt.bench.mqtt.MqttConnection;
import org.rmqtt.bench.mqtt.MqttSender;
import org.rmqtt.bench.mqtt.Subscriptions;
import org.rmqtt.bench.payload.PayloadCodec;
import org.rmqtt.bench.rocketmq.RocketMqReceiver;
import org.rmqtt.bench.rocketmq.RocketMqSender;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The gateway's two RocketMQ paths: a backend RocketMQ producer publishing to MQTT subscribers
 * (to-device), and MQTT publishers whose messages a backend RocketMQ consumer reads (from-device).
 * With "both" the two run one after the other, each for --warmup plus --duration. "storage" leaves
 * MQTT out: a RocketMQ producer to a RocketMQ consumer on the same broker, the baseline of what
 * the storage alone delivers.
 */
@Command(name = "backend", mixinStandardHelpOptions = true,
    description = "RocketMQ producer -> MQTT subscribers, and MQTT publishers -> RocketMQ consumer.")
public final class BackendCommand implements Callable<Integer> {

    /** Which of the two paths to measure. */
    enum Direction {
        both, to_device, from_device, storage;

        static Direction parse(String text) {
            return switch (text) {
                case "both" -> both;
                case "to-device" -> to_device;
                case "from-device" -> from_device;
                case "storage" -> storage;
                default -> throw new IllegalArgumentException(
                    "--direction must be both, to-device, from-device or storage, not " + text);
            };
        }
    }

    /** User property carrying the run's key in the storage direction; deliberately not the MQTT topic property. */
    static final String STORAGE_KEY_PROPERTY = "benchKey";

    @Mixin
    ConnectionOptions connection;

    @Mixin
    LoadOptions load;

    @Option(names = "--namesrv", required = true, description = "RocketMQ name server, host:port.")
    String namesrv;

    @Option(names = "--topic", defaultValue = "mqtt_default",
        description = "RocketMQ topic the gateway maps the benchmark's MQTT topics to (default: ${DEFAULT-VALUE}).")
    String topic;

    @Option(names = "--topic-property", defaultValue = "mqttTopic",
        description = "User property carrying the MQTT topic (default: ${DEFAULT-VALUE}).")
    String topicProperty;

    @Option(names = "--property", description = "Extra user property KEY=VALUE on every backend message; repeatable.")
    Map<String, String> properties = new LinkedHashMap<>();

    @Option(names = "--direction", defaultValue = "both",
        description = "both, to-device (RocketMQ -> MQTT), from-device (MQTT -> RocketMQ) or storage (RocketMQ -> "
            + "RocketMQ, no MQTT: give it a topic no MQTT topic maps to) (default: ${DEFAULT-VALUE}).")
    String direction;

    @Option(names = {"-S", "--subscribers"}, defaultValue = "1", description = "MQTT subscribers for to-device (default: ${DEFAULT-VALUE}).")
    int subscribers;

    @Option(names = {"-P", "--publishers"}, defaultValue = "1", description = "MQTT publishers for from-device (default: ${DEFAULT-VALUE}).")
    int publishers;

    @Option(names = "--rate", defaultValue = "1000", converter = RateConverter.class,
        description = "msg/s sent in each direction, or 'max' (default: ${DEFAULT-VALUE}).")
    Rate rate;

    @Spec
    CommandSpec spec;

    Direction validate() {
        try {
            connection.validate();
            load.validate();
            Validate.range("--subscribers", subscribers, 1, 1_000_000);
            Validate.range("--publishers", publishers, 1, 1_000_000);
            if (!topic.matches("[A-Za-z0-9_%|-]{1,127}")) {
                throw new IllegalArgumentException("--topic '" + topic + "' is not a RocketMQ topic name ([A-Za-z0-9_%|-], at most 127)");
            }
            namesrvAddress(namesrv);
            return Direction.parse(direction);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** The first name server of a "host:port;host:port" list, as {host, port}. */
    static String[] namesrvAddress(String namesrv) {
        String first = namesrv.split(";")[0].trim();
        int colon = first.lastIndexOf(':');
        if (colon <= 0 || !first.substring(colon + 1).matches("\\d{1,5}")) {
            throw new IllegalArgumentException("--namesrv must be host:port, not '" + namesrv + "'");
        }
        return new String[] {first.substring(0, colon), first.substring(colon + 1)};
    }

    @Override
    public Integer call() throws InterruptedException {
        int runId = MqttLoad.newRunId();
        List<LoadResult> results = measure(runId);
        StringBuilder summary = new StringBuilder();
        List<Map<String, Object>> json = new ArrayList<>();
        int verdict = Verdict.OK;
        for (LoadResult result : results) {
            summary.append(result.summary());
            json.add(result.toJson());
            verdict = Math.max(verdict, Verdict.of(result, load));
        }
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("scenario", "backend");
        document.put("directions", json);
        Output.emit(System.out, summary.toString(), document, load.json, runId);
        return verdict;
    }

    /** Runs the chosen directions one after the other. */
    List<LoadResult> measure(int runId) throws InterruptedException {
        Direction which = validate();
        String[] ns = namesrvAddress(namesrv);
        Preflight.requireReachable(ns[0], Integer.parseInt(ns[1]), "RocketMQ name server",
            "start RocketMQ (the standalone gateway embeds one) and pass its address with --namesrv");
        List<LoadResult> results = new ArrayList<>();
        if (which == Direction.storage) {
            results.add(storage(runId));
            return results;
        }
        Preflight.requireReachable(connection.host, connection.port, "MQTT server",
            "start the gateway, or point mqtt-bench at it with --host and --port");
        Preflight.requireFileDescriptors(Math.max(subscribers, publishers) + 16);

        if (which != Direction.from_device) {
            results.add(toDevice(runId));
        }
        if (which != Direction.to_device) {
            results.add(fromDevice(runId));
        }
        return results;
    }

    private Map<String, Object> parameters(MqttLoad mqtt, String path) {
        Map<String, Object> p = mqtt.baseParameters();
        p.put("direction", path);
        p.put("namesrv", namesrv);
        p.put("topic", topic);
        p.put("topic_property", topicProperty);
        return p;
    }

    /** RocketMQ producer -> gateway -> K MQTT subscribers of one MQTT topic. */
    LoadResult toDevice(int runId) throws InterruptedException {
        MqttLoad mqtt = new MqttLoad(connection, load, rate, Output.progress(load.quiet));
        String mqttTopic = MqttLoad.topicRoot(runId) + "/b2d";
        PayloadCodec codec = new PayloadCodec(runId, load.payload);
        Meter meter = new Meter();
        List<Sink> sinks = new ArrayList<>();
        List<String> filters = new ArrayList<>();
        for (int s = 0; s < subscribers; s++) {
            sinks.add(new Sink(s, "s" + s + " " + mqttTopic, codec, meter, 1, List.of(0)));
            filters.add(mqttTopic);
        }
        ProcStatus server = load.serverPid == null ? null : ProcStatus.of(load.serverPid);
        try (ClientFactory factory = new ClientFactory(connection, runId, subscribers)) {
            List<MqttConnection> subs = mqtt.connect("subscribers", subscribers, i -> factory.create("s", i));
            try (RocketMqSender producer = new RocketMqSender(namesrv, "bench_p_" + Integer.toHexString(runId), topic,
                topicProperty, mqttTopic, properties)) {
                Subscriptions.subscribeAll(subs, filters, sinks, load.qos, connection.connectTimeout.toMillis() + subscribers);
                producer.checkRoute(codec.encode(Sink.PROBE_SOURCE, 0, System.nanoTime()));
                Readiness.await(sinks, () -> producer.send(codec.encode(Sink.PROBE_SOURCE, 0, System.nanoTime())),
                    MqttLoad.PROBE_TIMEOUT_MILLIS, 500, "MQTT subscribers",
                    "the gateway did not deliver RocketMQ messages on topic '" + topic + "' with " + topicProperty + "="
                        + mqttTopic + " to its subscribers; check --topic, --topic-property and the gateway's log");
                Lane lane = new Lane(0, topic + " -> " + mqttTopic, producer, codec, load.inflight);
                String description = String.format("RocketMQ producer -> %d MQTT subscriber%s via topic %s, QoS %d, %d B, rate %s",
                    subscribers, subscribers == 1 ? "" : "s", topic, load.qos, load.payload, rate);
                LoadRun.Plan plan = new LoadRun.Plan("backend to-device", description, parameters(mqtt, "to-device"), rate,
                    load.warmup, load.duration, load.drain, 1, load.maxBacklog);
                return new LoadRun(plan, List.of(lane), sinks, meter, server, Output.progress(load.quiet)).run();
            } finally {
                MqttLoad.disconnectAll(subs);
            }
        }
    }

    /**
     * RocketMQ producer -> broker -> RocketMQ consumer, nothing of MQTT: what the storage under
     * the gateway delivers by itself. The key property is not the MQTT topic property, so a
     * gateway's dispatch plug-in leaves these messages alone.
     */
    LoadResult storage(int runId) throws InterruptedException {
        String key = MqttLoad.topicRoot(runId) + "/storage";
        PayloadCodec codec = new PayloadCodec(runId, load.payload);
        Meter meter = new Meter();
        Sink sink = new Sink(0, "consumer " + topic, codec, meter, 1, List.of(0));
        ProcStatus server = load.serverPid == null ? null : ProcStatus.of(load.serverPid);
        String group = Integer.toHexString(runId);
        try (RocketMqReceiver ignored = new RocketMqReceiver(namesrv, "bench_sc_" + group, topic, STORAGE_KEY_PROPERTY,
                key, sink);
             RocketMqSender producer = new RocketMqSender(namesrv, "bench_sp_" + group, topic, STORAGE_KEY_PROPERTY, key,
                 properties)) {
            producer.checkRoute(codec.encode(Sink.PROBE_SOURCE, 0, System.nanoTime()));
            Readiness.await(List.of(sink), () -> producer.send(codec.encode(Sink.PROBE_SOURCE, 0, System.nanoTime())),
                MqttLoad.PROBE_TIMEOUT_MILLIS, 500, "RocketMQ consumers",
                "messages sent to RocketMQ topic '" + topic + "' did not reach a consumer of it; check the broker's log");
            Lane lane = new Lane(0, topic, producer, codec, load.inflight);
            String description = String.format("RocketMQ producer -> RocketMQ consumer on topic %s, no MQTT, %d B, rate %s",
                topic, load.payload, rate);
            Map<String, Object> parameters = new LinkedHashMap<>();
            parameters.put("direction", "storage");
            parameters.put("namesrv", namesrv);
            parameters.put("topic", topic);
            parameters.put("payload_bytes", load.payload);
            parameters.put("rate", rate.toString());
            parameters.put("duration", Durations.format(load.duration));
            parameters.put("warmup", Durations.format(load.warmup));
            parameters.put("inflight", load.inflight);
            if (load.label != null) {
                parameters.put("label", load.label);
            }
            LoadRun.Plan plan = new LoadRun.Plan("backend storage", description, parameters, rate,
                load.warmup, load.duration, load.drain, 1, load.maxBacklog);
            return new LoadRun(plan, List.of(lane), List.of(sink), meter, server, Output.progress(load.quiet)).run();
        }
    }

    /** N MQTT publishers -> gateway -> one RocketMQ consumer group on the mapped topic. */
    LoadResult fromDevice(int runId) throws InterruptedException {
        MqttLoad mqtt = new MqttLoad(connection, load, rate, Output.progress(load.quiet));
        String root = MqttLoad.topicRoot(runId) + "/d2b";
        PayloadCodec codec = new PayloadCodec(runId, load.payload);
        Meter meter = new Meter();
        List<Integer> all = new ArrayList<>();
        for (int p = 0; p < publishers; p++) {
            all.add(p);
        }
        Sink sink = new Sink(0, "consumer " + topic, codec, meter, publishers, all);
        ProcStatus server = load.serverPid == null ? null : ProcStatus.of(load.serverPid);
        try (ClientFactory factory = new ClientFactory(connection, runId, publishers)) {
            List<MqttConnection> pubs = mqtt.connect("publishers", publishers, i -> factory.create("p", i));
            try (RocketMqReceiver ignored = new RocketMqReceiver(namesrv, "bench_c_" + Integer.toHexString(runId), topic,
                topicProperty, root + "/", sink)) {
                List<Lane> lanes = new ArrayList<>();
                for (int p = 0; p < publishers; p++) {
                    String mqttTopic = root + "/p" + p;
                    lanes.add(new Lane(p, mqttTopic, new MqttSender(pubs.get(p), mqttTopic, load.qos), codec, load.inflight));
                }
                MqttSender prober = new MqttSender(pubs.get(0), root + "/p0", load.qos);
                Readiness.await(List.of(sink), () -> prober.send(codec.encode(Sink.PROBE_SOURCE, 0, System.nanoTime())),
                    MqttLoad.PROBE_TIMEOUT_MILLIS, 500, "RocketMQ consumers",
                    "messages published to MQTT topic " + root + "/p0 did not reach RocketMQ topic '" + topic
                        + "'; pass the RocketMQ topic the gateway maps them to with --topic");
                String description = String.format("%d MQTT publisher%s -> RocketMQ consumer on topic %s, QoS %d, %d B, rate %s",
                    publishers, publishers == 1 ? "" : "s", topic, load.qos, load.payload, rate);
                LoadRun.Plan plan = new LoadRun.Plan("backend from-device", description, parameters(mqtt, "from-device"), rate,
                    load.warmup, load.duration, load.drain, 1, load.maxBacklog);
                return new LoadRun(plan, lanes, List.of(sink), meter, server, Output.progress(load.quiet)).run();
            } finally {
                MqttLoad.disconnectAll(pubs);
            }
        }
    }
}
