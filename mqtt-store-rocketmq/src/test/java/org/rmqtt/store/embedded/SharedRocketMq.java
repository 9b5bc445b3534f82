package org.rmqtt.store.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * One embedded RocketMQ per test JVM, shared by every test class: a broker takes seconds to start
 * and longer to stop. Files go to a temporary directory removed at JVM exit.
 */
public final class SharedRocketMq {
    /** First-level topics every test may use. */
    public static final List<String> TOPICS = List.of("mqtt_default", "sensors", "backend_it", "mqtt_redispatch");
    /** Test executions that play an external broker without the dispatch plug-in set this to false. */
    public static final boolean WITH_PLUGIN = Boolean.parseBoolean(System.getProperty("rmqtt.it.plugin", "true"));

    private static EmbeddedRocketMq instance;

    private SharedRocketMq() {
    }

    public static synchronized EmbeddedRocketMq get() {
        if (instance == null) {
            Path dir;
            try {
                dir = Files.createTempDirectory("rmqtt-it-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            EmbeddedRocketMq started = EmbeddedRocketMq.start(dir, 0, 0, WITH_PLUGIN);
            started.createTopics(TOPICS, 4);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                started.close();
                delete(dir);
            }));
            instance = started;
        }
        return instance;
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort at exit
        }
    }
}
