package org.rmqtt.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How many LMQs a broker with file consume queues allows itself, from the process's limits. */
class FileLmqLimitTest {

    @Test
    void halfTheOpenFilesAndTheMapCountLessWhatTheProcessMapsBound() {
        assertThat(EmbeddedRocketMq.fileLmqLimit(20_000, 65_530)).as("open files bind").isEqualTo(10_000);
        assertThat(EmbeddedRocketMq.fileLmqLimit(1_048_576, 65_530)).as("the kernel's default map count binds").isEqualTo(60_530);
        assertThat(EmbeddedRocketMq.fileLmqLimit(Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(EmbeddedRocketMq.MAX_LMQS);
        assertThat(EmbeddedRocketMq.fileLmqLimit(1_024, 4_000)).as("never negative").isZero();
    }
}
