package org.rmqtt.bench.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class TopologyTest {

    @Test
    void pubsubSpreadsPublishersAndSubscribersOverTopicsAndExpectsExactlyTheSharers() {
        PubSubCommand pubsub = new PubSubCommand();
        new CommandLine(pubsub).parseArgs("-P", "5", "-S", "4", "-T", "2");

        MqttLoad.Topology topology = pubsub.topology(0xabc);

        assertThat(topology.publisherTopics()).containsExactly(
            "bench/abc/t0", "bench/abc/t1", "bench/abc/t0", "bench/abc/t1", "bench/abc/t0");
        assertThat(topology.subscriberFilters()).containsExactly("bench/abc/t0", "bench/abc/t1", "bench/abc/t0", "bench/abc/t1");
        assertThat(topology.expectedLanes()).containsExactly(List.of(0, 2, 4), List.of(1, 3), List.of(0, 2, 4), List.of(1, 3));
    }

    @Test
    void devicesHaveOneConnectionEachAndHearANeighboursTopic() {
        PubSubCommand pubsub = new PubSubCommand();
        new CommandLine(pubsub).parseArgs("--devices", "-P", "3", "-S", "3", "-T", "3");
        pubsub.validate();

        MqttLoad.Topology topology = pubsub.topology(0xabc);

        assertThat(topology.devices()).isTrue();
        assertThat(topology.connections()).isEqualTo(3);
        assertThat(topology.publisherTopics()).containsExactly("bench/abc/t0", "bench/abc/t1", "bench/abc/t2");
        assertThat(topology.expectedLanes()).containsExactly(List.of(0), List.of(1), List.of(2));
        PubSubCommand separate = new PubSubCommand();
        new CommandLine(separate).parseArgs("-P", "3", "-S", "3", "-T", "3");
        assertThat(separate.topology(0xabc).connections()).as("separate clients").isEqualTo(6);
    }

    @Test
    void fanoutSubscribersAllHearTheOnePublisherWhateverTheFilter() {
        for (String[] filter : new String[][] {{"exact", "bench/1f/fanout"}, {"plus", "bench/1f/+"}, {"hash", "bench/1f/#"}}) {
            FanoutCommand fanout = new FanoutCommand();
            new CommandLine(fanout).parseArgs("-S", "3", "--filter", filter[0]);

            MqttLoad.Topology topology = fanout.topology(0x1f);

            assertThat(topology.publisherTopics()).containsExactly("bench/1f/fanout");
            assertThat(topology.subscriberFilters()).containsOnly(filter[1]).hasSize(3);
            assertThat(topology.expectedLanes()).containsOnly(List.of(0));
        }
    }
}
