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

/** One publisher, K subscribers of the same topic, by its exact name or through a wildcard. */
@Command(name = "fanout", mixinStandardHelpOptions = true,
    description = "1 publisher -> K subscribers on one topic or one wildcard filter.")
public final class FanoutCommand implements Callable<Integer> {

    /** How the subscribers name the publisher's topic. */
    enum Filter {
        /** bench/RUN/fanout */
        exact,
        /** bench/RUN/+ */
        plus,
        /** bench/RUN/# */
        hash
    }

    @Mixin
    ConnectionOptions connection;

    @Mixin
    LoadOptions load;

    @Option(names = {"-S", "--subscribers"}, defaultValue = "100", description = "Subscribers K (default: ${DEFAULT-VALUE}).")
    int subscribers;

    @Option(names = "--filter", defaultValue = "exact",
        description = "Subscribers' filter: exact, plus (bench/RUN/+) or hash (bench/RUN/#) (default: ${DEFAULT-VALUE}).")
    Filter filter;

    @Option(names = "--rate", defaultValue = "100", converter = RateConverter.class,
        description = "Messages per second published; each is delivered K times. 'max' = as fast as confirmed (default: ${DEFAULT-VALUE}).")
    Rate rate;

    @Spec
    CommandSpec spec;

    void validate() {
        try {
            connection.validate();
            load.validate();
            Validate.range("--subscribers", subscribers, 1, 1_000_000);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    MqttLoad.Topology topology(int runId) {
        String root = MqttLoad.topicRoot(runId);
        String subscription = switch (filter) {
            case exact -> root + "/fanout";
            case plus -> root + "/+";
            case hash -> root + "/#";
        };
        List<String> filters = new ArrayList<>();
        List<List<Integer>> expected = new ArrayList<>();
        for (int s = 0; s < subscribers; s++) {
            filters.add(subscription);
            expected.add(List.of(0));
        }
        return new MqttLoad.Topology(List.of(root + "/fanout"), filters, expected);
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
        parameters.put("subscribers", subscribers);
        parameters.put("filter", filter.name());
        String description = String.format("1 publisher -> %d subscribers of one %s, QoS %d, %d B, rate %s",
            subscribers, filter == Filter.exact ? "topic" : "wildcard filter", load.qos, load.payload, rate);
        return mqtt.run("fanout", description, parameters, runId, topology(runId));
    }
}
