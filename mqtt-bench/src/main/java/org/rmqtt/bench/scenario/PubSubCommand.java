package org.rmqtt.bench.scenario;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.rmqtt.bench.cli.ConnectionOptions;
import org.rmqtt.bench.cli.LoadOptions;
import org.rmqtt.bench.cli.Rate;
import org.rmqtt.bench.cli.RateConverter;
import org.rmqtt.bench.cli.Validate;
import org.rmqtt.bench.load.LoadResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * N publishers to M subscribers over T topics: publisher p publishes to topic p mod T, subscriber
 * s subscribes to topic s mod T, so every subscriber must receive every message of the publishers
 * that share its topic. With {@code --devices} each device is one connection that publishes and
 * subscribes, as IoT devices do: the same load over half the connections.
 */
@Command(name = "pubsub", mixinStandardHelpOptions = true,
    description = "N publishers -> M subscribers over T topics; throughput, latency, loss/duplicates/order.")
public final class PubSubCommand implements Callable<Integer> {

    @Mixin
    ConnectionOptions connection;

    @Mixin
    LoadOptions load;

    @Option(names = {"-P", "--publishers"}, defaultValue = "1", description = "Publishing clients (default: ${DEFAULT-VALUE}).")
    int publishers;

    @Option(names = {"-S", "--subscribers"}, defaultValue = "1", description = "Subscribing clients (default: ${DEFAULT-VALUE}).")
    int subscribers;

    @Option(names = {"-T", "--topics"}, defaultValue = "1",
        description = "Topics; at most min(publishers, subscribers), so none is left without either (default: ${DEFAULT-VALUE}).")
    int topics;

    @Option(names = "--devices",
        description = "One connection per device that publishes and subscribes (needs -P = -S): device i is publisher i "
            + "and subscriber (i + 1) mod N, so it hears another device's topic; half the connections of separate clients.")
    boolean devices;

    @Option(names = "--rate", defaultValue = "max", converter = RateConverter.class,
        description = "Total msg/s over all publishers, or 'max' = as fast as the server confirms (default: ${DEFAULT-VALUE}).")
    Rate rate;

    @Spec
    CommandSpec spec;

    void validate() {
        try {
            connection.validate();
            load.validate();
            Validate.range("--publishers", publishers, 1, 1_000_000);
            Validate.range("--subscribers", subscribers, 1, 1_000_000);
            Validate.range("--topics", topics, 1, Math.min(publishers, subscribers));
            if (devices && publishers != subscribers) {
                throw new IllegalArgumentException("--devices needs as many publishers as subscribers (-P = -S), got -P "
                    + publishers + " -S " + subscribers);
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    MqttLoad.Topology topology(int runId) {
        String root = MqttLoad.topicRoot(runId);
        List<String> publisherTopics = new ArrayList<>();
        for (int p = 0; p < publishers; p++) {
            publisherTopics.add(root + "/t" + (p % topics));
        }
        List<String> filters = new ArrayList<>();
        List<List<Integer>> expected = new ArrayList<>();
        for (int s = 0; s < subscribers; s++) {
            int topic = s % topics;
            filters.add(root + "/t" + topic);
            List<Integer> lanes = new ArrayList<>();
            for (int p = topic; p < publishers; p += topics) {
                lanes.add(p);
            }
            expected.add(lanes);
        }
        return new MqttLoad.Topology(publisherTopics, filters, expected, devices);
    }

    @Override
    public Integer call() throws InterruptedException {
        LoadResult result = measure();
        Output.emit(System.out, result.summary(), result.toJson(), load.json, runId);
        return Verdict.of(result, load);
    }

    private int runId;

    LoadResult measure() throws InterruptedException {
        validate();
        runId = MqttLoad.newRunId();
        MqttLoad mqtt = new MqttLoad(connection, load, rate, Output.progress(load.quiet));
        Map<String, Object> parameters = mqtt.baseParameters();
        parameters.put("publishers", publishers);
        parameters.put("subscribers", subscribers);
        parameters.put("topics", topics);
        parameters.put("devices", devices);
        String description = String.format("%d publisher%s -> %d subscriber%s over %d topic%s%s, QoS %d, %d B, rate %s",
            publishers, publishers == 1 ? "" : "s", subscribers, subscribers == 1 ? "" : "s",
            topics, topics == 1 ? "" : "s", devices ? ", one connection per device" : "", load.qos, load.payload, rate);
        return mqtt.run("pubsub", description, parameters, runId, topology(runId));
    }
}
