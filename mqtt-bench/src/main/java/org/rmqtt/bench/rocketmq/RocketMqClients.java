package org.rmqtt.bench.rocketmq;

import java.nio.file.Path;

/** Settings every RocketMQ client of the benchmark needs before the first one is created. */
final class RocketMqClients {

    private RocketMqClients() {
    }

    /**
     * RocketMQ's client logs to ~/logs/rocketmqlogs unless told otherwise; a benchmark should not
     * leave files in the user's home, so its logs go to the temp directory (unless set already).
     */
    static void configureLogging() {
        if (System.getProperty("rocketmq.client.logRoot") == null) {
            System.setProperty("rocketmq.client.logRoot",
                Path.of(System.getProperty("java.io.tmpdir"), "mqtt-bench-rocketmq-logs").toString());
        }
        if (System.getProperty("rocketmq.client.logLevel") == null) {
            System.setProperty("rocketmq.client.logLevel", "WARN");
        }
    }
}
