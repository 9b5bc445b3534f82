package org.rmqtt.bench.hivemq;

import com.hivemq.embedded.EmbeddedHiveMQ;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Starts HiveMQ CE in this JVM with one TCP listener on 127.0.0.1 and its files under one
 * directory, and keeps it up until the process is told to stop (SIGTERM runs the shutdown hook).
 *
 * <p>Usage: HiveMqLauncher PORT DIR [file|in-memory]. The last argument is HiveMQ's persistence
 * mode (default file, HiveMQ's own default). Prints "HIVEMQ READY 127.0.0.1:PORT" once it accepts
 * connections, so a script can wait for that line instead of guessing a start-up time.
 */
public final class HiveMqLauncher {

    private HiveMqLauncher() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2 || args.length > 3 || !args[0].matches("\\d{1,5}")
            || (args.length == 3 && !args[2].matches("file|in-memory"))) {
            System.err.println("usage: HiveMqLauncher PORT DIR [file|in-memory]");
            System.exit(2);
        }
        String persistence = args.length == 3 ? args[2] : "file";
        int port = Integer.parseInt(args[0]);
        Path dir = Path.of(args[1]).toAbsolutePath();
        Path conf = Files.createDirectories(dir.resolve("conf"));
        Path data = Files.createDirectories(dir.resolve("data"));
        Path extensions = Files.createDirectories(dir.resolve("extensions"));
        writeConfig(conf.resolve("config.xml"), port, persistence);

        EmbeddedHiveMQ hivemq = EmbeddedHiveMQ.builder()
            .withConfigurationFolder(conf)
            .withDataFolder(data)
            .withExtensionsFolder(extensions)
            .build();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                hivemq.stop().get(20, TimeUnit.SECONDS);
                hivemq.close();
            } catch (Exception e) {
                System.err.println("HiveMQ did not stop cleanly: " + e);
            } finally {
                stopped.countDown();
            }
        }, "hivemq-stop"));
        hivemq.start().get(120, TimeUnit.SECONDS);
        System.out.println("HIVEMQ READY 127.0.0.1:" + port);
        System.out.flush();
        stopped.await();
    }

    /**
     * One listener on loopback; no phoning home. Queue limits are raised so that at QoS 1 HiveMQ,
     * like the other servers in the comparison, keeps every message instead of dropping the
     * 1,001st queued for a slow subscriber.
     */
    private static void writeConfig(Path file, int port, String persistence) throws IOException {
        Files.writeString(file, """
            <?xml version="1.0"?>
            <hivemq>
                <listeners>
                    <tcp-listener>
                        <port>%d</port>
                        <bind-address>127.0.0.1</bind-address>
                    </tcp-listener>
                </listeners>
                <mqtt>
                    <queued-messages>
                        <max-queue-size>1000000</max-queue-size>
                        <strategy>discard</strategy>
                    </queued-messages>
                </mqtt>
                <persistence>
                    <mode>%s</mode>
                </persistence>
                <anonymous-usage-statistics>
                    <enabled>false</enabled>
                </anonymous-usage-statistics>
            </hivemq>
            """.formatted(port, persistence));
    }
}
