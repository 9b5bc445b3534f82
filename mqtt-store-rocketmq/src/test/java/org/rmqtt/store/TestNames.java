package org.rmqtt.store;

import java.util.UUID;

/** Names no other test in the JVM uses: the shared broker keeps every topic's queue for the run. */
public final class TestNames {
    private TestNames() {
    }

    /** {@code prefix} and ten random hex digits, a valid MQTT topic level and RocketMQ name part. */
    public static String unique(String prefix) {
        return prefix + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    }
}
