package org.rmqtt.bench.scenario;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.IntFunction;
import org.rmqtt.bench.BenchException;
import org.rmqtt.bench.cli.ConnectionOptions;
import org.rmqtt.bench.cli.Durations;
import org.rmqtt.bench.cli.LoadOptions;
import org.rmqtt.bench.cli.Rate;
import org.rmqtt.bench.env.Preflight;
import org.rmqtt.bench.env.ProcStatus;
import org.rmqtt.bench.load.Lane;
import org.rmqtt.bench.load.LoadResult;
import org.rmqtt.bench.load.LoadRun;
import org.rmqtt.bench.load.MessageSender;
import org.rmqtt.bench.load.Meter;
import org.rmqtt.bench.load.Sink;
import org.rmqtt.bench.mqtt.ClientFactory;
import org.rmqtt.bench.mqtt.MqttConnection;
import org.rmqtt.bench.mqtt.Connector;
import org.rmqtt.bench.mqtt.MqttSender;
import org.rmqtt.bench.mqtt.Subscriptions;
import org.rmqtt.bench.payload.PayloadCodec;
import org.rmqtt.bench.report.Progress;

/**
 * Publishers and subscribers on one MQTT server: connect and subscribe everyone, prove the path
 * delivers, run the load, disconnect. The {@link Topology} says who publishes where and who should
 * receive what; pubsub and fanout differ only in it.
 */
public final class MqttLoad {

    /** Longest wait for the first message to reach every subscriber after SUBACK. */
    static final long PROBE_TIMEOUT_MILLIS = 30_000;
    private static final long PROBE_INTERVAL_MILLIS = 250;
    private static final long DISCONNECT_TIMEOUT_MILLIS = 10_000;

    /**
     * Who publishes where, who subscribes to what, and which publishers each subscriber must hear.
     *
     * @param expectedLanes for each subscriber, the indexes of the publishers whose messages it must receive
     * @param devices       one connection per device instead of one per publisher and one per subscriber:
     *                      as many publishers as subscribers, and subscriber s rides on publisher
     *                      (s + 1) mod N's connection, so a device hears another device, not itself
     */
    public record Topology(List<String> publisherTopics, List<String> subscriberFilters, List<List<Integer>> expectedLanes,
                           boolean devices) {

        public Topology(List<String> publisherTopics, List<String> subscriberFilters, List<List<Integer>> expectedLanes) {
            this(publisherTopics, subscriberFilters, expectedLanes, false);
        }

        public Topology {
            if (devices && publisherTopics.size() != subscriberFilters.size()) {
                throw new IllegalArgumentException("devices need as many publishers as subscribers");
            }
        }

        int connections() {
            return devices ? publisherTopics.size() : publisherTopics.size() + subscriberFilters.size();
        }
    }

    /** The topic namespace of one run: "bench/&lt;run id&gt;". */
    public static String topicRoot(int runId) {
        return "bench/" + Integer.toHexString(runId);
    }

    public static int newRunId() {
        return ThreadLocalRandom.current().nextInt(1, Integer.MAX_VALUE);
    }

    private final ConnectionOptions connection;
    private final LoadOptions load;
    private final Rate rate;
    private final PrintStream progressOut;

    public MqttLoad(ConnectionOptions connection, LoadOptions load, Rate rate, PrintStream progressOut) {
        this.connection = connection;
        this.load = load;
        this.rate = rate;
        this.progressOut = progressOut;
    }

    /** The parameters every MQTT scenario reports. */
    Map<String, Object> baseParameters() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("host", connection.host);
        p.put("port", connection.port);
        p.put("qos", load.qos);
        p.put("payload_bytes", load.payload);
        p.put("rate", rate.toString());
        p.put("duration", Durations.format(load.duration));
        p.put("warmup", Durations.format(load.warmup));
        p.put("inflight", load.inflight);
        if (load.label != null) {
            p.put("label", load.label);
        }
        return p;
    }

    public LoadResult run(String scenario, String description, Map<String, Object> parameters, int runId, Topology topology)
        throws InterruptedException {
        int publishers = topology.publisherTopics().size();
        int subscribers = topology.subscriberFilters().size();
        Preflight.requireReachable(connection.host, connection.port, "MQTT server",
            "start the server, or point mqtt-bench at it with --host and --port");
        Preflight.requireFileDescriptors(topology.connections());
        ProcStatus server = load.serverPid == null ? null : ProcStatus.of(load.serverPid);

        PayloadCodec codec = new PayloadCodec(runId, load.payload);
        Meter meter = new Meter();
        List<Sink> sinks = new ArrayList<>(subscribers);
        for (int s = 0; s < subscribers; s++) {
            sinks.add(new Sink(s, "s" + s + " " + topology.subscriberFilters().get(s), codec, meter, publishers,
                topology.expectedLanes().get(s)));
        }
        ClientFactory factory = new ClientFactory(connection, runId, topology.connections());
        List<MqttConnection> everyone = new ArrayList<>();
        try {
            List<MqttConnection> subs;
            List<MqttConnection> pubs;
            if (topology.devices()) {
                pubs = connect("devices", publishers, i -> factory.create("d", i));
                everyone.addAll(pubs);
                subs = new ArrayList<>(subscribers);
                for (int s = 0; s < subscribers; s++) {
                    subs.add(pubs.get((s + 1) % publishers));
                }
            } else {
                subs = connect("subscribers", subscribers, i -> factory.create("s", i));
                everyone.addAll(subs);
                pubs = null;
            }
            Subscriptions.subscribeAll(subs, topology.subscriberFilters(), sinks, load.qos,
                connection.connectTimeout.toMillis() + subscribers);
            if (pubs == null) {
                pubs = connect("publishers", publishers, i -> factory.create("p", i));
                everyone.addAll(pubs);
            }

            List<MessageSender> senders = new ArrayList<>(publishers);
            List<Lane> lanes = new ArrayList<>(publishers);
            for (int p = 0; p < publishers; p++) {
                MqttSender sender = new MqttSender(pubs.get(p), topology.publisherTopics().get(p), load.qos);
                senders.add(sender);
                lanes.add(new Lane(p, topology.publisherTopics().get(p), sender, codec, load.inflight));
            }
            // With thousands of topics a round of probes is itself a load: only the topics of
            // subscribers still waiting are probed, at most about 1,000 probes a second, and a
            // server gets longer to activate many subscriptions.
            long interval = Math.max(PROBE_INTERVAL_MILLIS, publishers);
            long timeout = PROBE_TIMEOUT_MILLIS + 3L * subscribers;
            Readiness.await(sinks, () -> probeWaitingTopics(topology, senders, codec, sinks), timeout,
                interval, "subscribers",
                "the server acknowledged the subscriptions but did not deliver; check its log and topic mapping");

            LoadRun.Plan plan = new LoadRun.Plan(scenario, description, parameters, rate, load.warmup, load.duration,
                load.drain, Math.max(1, Runtime.getRuntime().availableProcessors() / 2), load.maxBacklog);
            return new LoadRun(plan, lanes, sinks, meter, server, progressOut).run();
        } finally {
            disconnectAll(everyone);
            factory.close();
        }
    }

    /** Connects {@code count} clients, or none: on any failure the connected ones are closed and it throws. */
    List<MqttConnection> connect(String what, int count,
                                 IntFunction<MqttConnection> create) throws InterruptedException {
        Connector connector = new Connector(connection.connectRate, connection.connectTimeout.toNanos());
        Progress progress = new Progress(count >= connection.connectRate ? progressOut : null,
            () -> String.format("connecting %s: %,d of %,d", what, connector.connected(), count));
        progress.start();
        List<MqttConnection> clients;
        try {
            clients = connector.connect(count, create, true);
        } finally {
            progress.stop();
        }
        if (clients.size() < count) {
            disconnectAll(clients);
            Throwable error = connector.firstFailure();
            throw new BenchException(String.format("%,d of %,d %s could not connect to %s:%d: %s",
                count - clients.size(), count, what, connection.host, connection.port,
                error == null ? "unknown error" : Readiness.rootMessage(error)),
                "check that the server accepts anonymous MQTT 3.1.1 clients and enough connections; "
                    + "slow it down with --connect-rate, or allow more time with --connect-timeout");
        }
        return clients;
    }

    /** One probe to each topic that a subscriber still waiting for its first message listens to. */
    static void probeWaitingTopics(Topology topology, List<MessageSender> senders, PayloadCodec codec, List<Sink> sinks) {
        Set<String> done = new HashSet<>();
        for (int s = 0; s < sinks.size(); s++) {
            if (sinks.get(s).probeSeen()) {
                continue;
            }
            for (int p : topology.expectedLanes().get(s)) {
                String topic = topology.publisherTopics().get(p);
                if (done.add(topic)) {
                    senders.get(p).send(codec.encode(Sink.PROBE_SOURCE, 0, System.nanoTime()));
                }
            }
        }
    }

    /** DISCONNECT and close every client, all at once; waits up to 10 s for the closes. */
    static void disconnectAll(List<MqttConnection> clients) {
        closeAll(clients, MqttConnection::disconnect);
    }

    /** Close every client's socket without a DISCONNECT, all at once; waits up to 10 s for the closes. */
    static void dropAll(List<MqttConnection> clients) {
        closeAll(clients, MqttConnection::drop);
    }

    private static void closeAll(List<MqttConnection> clients, Function<MqttConnection, CompletableFuture<Void>> close) {
        List<CompletableFuture<Void>> futures = new ArrayList<>(clients.size());
        for (MqttConnection client : clients) {
            futures.add(close.apply(client).exceptionally(e -> null));
        }
        try {
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
                .get(DISCONNECT_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            // Best effort: the JVM exits right after, and the OS closes what is left.
        }
    }
}
