package org.rmqtt.gateway.limits;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The connections an open-files limit leaves, and when limits.maxConnections is taken instead. */
class FileBudgetTest {

    @Test
    void connectionsAreWhatIsLeftBesideTheProcessOwnFilesAndTheBrokerQueues() {
        // This machine's 20,000 with the embedded broker's file queues at half of it.
        assertThat(FileBudget.connections(20_000, 10_000)).isEqualTo(9_000);
        // RocksDB consume queues, or no broker in the process.
        assertThat(FileBudget.connections(20_000, 0)).isEqualTo(19_000);
        assertThat(FileBudget.connections(1_048_576, 60_530)).isEqualTo(1_048_576 - 1_000 - 60_530);
        // A small limit keeps a quarter for the process.
        assertThat(FileBudget.connections(1_024, 512)).isEqualTo(256);
        assertThat(FileBudget.connections(2, 2)).isEqualTo(1);
    }

    @Test
    void aSetLimitIsKeptAndAnUnsetOneIsTheBudget() {
        assertThat(FileBudget.maxConnections(0, 20_000, 10_000)).isEqualTo(9_000);
        assertThat(FileBudget.maxConnections(500, 20_000, 10_000)).isEqualTo(500);
        // Over the budget: kept, with a WARN.
        assertThat(FileBudget.maxConnections(15_000, 20_000, 10_000)).isEqualTo(15_000);
        // The platform does not tell: no limit stays no limit.
        assertThat(FileBudget.maxConnections(0, Long.MAX_VALUE, 0)).isZero();
        assertThat(FileBudget.maxConnections(700, Long.MAX_VALUE, 0)).isEqualTo(700);
    }
}
