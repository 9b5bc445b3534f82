package org.rmqtt.gateway.fault;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One process of the cluster under test: a JVM running one of the distribution's main classes on
 * the test JVM's classpath, its output appended to a log file. Every child started is killed when
 * the test JVM exits, whatever happens to the test.
 */
final class ChildJvm {
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly), "child-jvm-reaper"));
    }

    private final String name;
    private final String mainClass;
    private final List<String> args;
    private final Path log;
    private final String heap;
    private Process process;
    private long logOffset;

    ChildJvm(String name, Class<?> mainClass, List<String> args, Path log, String heap) {
        this.name = name;
        this.mainClass = mainClass.getName();
        this.args = List.copyOf(args);
        this.log = log;
        this.heap = heap;
    }

    String name() {
        return name;
    }

    Path log() {
        return log;
    }

    /** Starts the JVM; {@link #awaitLog} tells when it is ready. */
    synchronized void start() throws IOException {
        if (isAlive()) {
            throw new IllegalStateException(name + " is running");
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add(heap);
        // Small heaps and few GC/JIT threads: six JVMs share the build machine's cores.
        command.add("-XX:+UseSerialGC");
        command.add("-XX:CICompilerCount=2");
        // RocksDB unpacks its native library into the temporary directory and deletes it only on a
        // clean exit: a killed child would leave it behind in the machine's /tmp.
        command.add("-Djava.io.tmpdir=" + log.toAbsolutePath().getParent());
        for (String property : List.of("user.home", "rocketmq.log.root", "slf4j.provider", "tls.server.mode")) {
            String value = System.getProperty(property);
            if (value != null) {
                command.add("-D" + property + "=" + value);
            }
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(args);
        Files.createDirectories(log.getParent());
        Files.writeString(log, "---- start " + Instant.now() + " " + String.join(" ", args) + System.lineSeparator(),
                StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        logOffset = Files.size(log);
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        LIVE.add(process);
    }

    /** Waits until this run of the process logged {@code text}; fails if it exits first. */
    void awaitLog(String text, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String output = Files.readString(log, StandardCharsets.UTF_8);
            if (output.length() > logOffset && output.substring((int) Math.min(logOffset, output.length())).contains(text)) {
                return;
            }
            if (!isAlive()) {
                throw new IllegalStateException(name + " exited before logging '" + text + "'; log:\n" + tail());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " did not log '" + text + "' within " + timeout + "; log:\n" + tail());
            }
            Thread.sleep(100);
        }
    }

    synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    synchronized long pid() {
        return process.pid();
    }

    /** SIGKILL, and wait until the process is gone. */
    void kill() throws InterruptedException {
        Process p;
        synchronized (this) {
            p = process;
        }
        if (p == null) {
            return;
        }
        p.destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
        LIVE.remove(p);
    }

    /** SIGTERM (a clean stop), SIGKILL if it takes longer than {@code grace}; returns whether it stopped by itself. */
    boolean stop(Duration grace) throws InterruptedException {
        Process p;
        synchronized (this) {
            p = process;
        }
        if (p == null || !p.isAlive()) {
            return true;
        }
        p.destroy();
        boolean clean = p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
        if (!clean) {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        LIVE.remove(p);
        return clean;
    }

    /** SIGSTOP: the process keeps its sockets but does nothing, as in a long GC pause or a frozen VM. */
    void pause() throws IOException, InterruptedException {
        signal("-STOP");
    }

    /** SIGCONT after {@link #pause}. */
    void resume() throws IOException, InterruptedException {
        signal("-CONT");
    }

    private void signal(String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", signal, Long.toString(pid())).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("kill " + signal + " " + pid() + " failed");
        }
    }

    String tail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join(System.lineSeparator(), lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
