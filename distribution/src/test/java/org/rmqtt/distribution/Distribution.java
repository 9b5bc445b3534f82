package org.rmqtt.distribution;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * An unpacked distribution and the processes its bin/ scripts start. Each process (a "name") has
 * its own data.dir and LOG_DIR under {@code work}; {@link #close} stops whatever is still running
 * (stop script, then SIGKILL), so a failed test leaves no process behind.
 */
final class Distribution implements AutoCloseable {
    /** A finished command: exit code and what it printed. */
    record Result(int exitCode, String stdout, String stderr, long millis) {
    }

    private final Path home;
    private final Path work;
    /** name -> script, of everything started with {@link #startDaemon}. */
    private final Map<String, String> started = new LinkedHashMap<>();

    Distribution(Path home, Path work) {
        this.home = home;
        this.work = work;
    }

    /** The directory of the built distribution (the module's target/rocketmq-mqtt). */
    static Path builtDirectory() {
        return Path.of(System.getProperty("dist.dir", "target/rocketmq-mqtt"));
    }

    /** The built tarball (target/rocketmq-mqtt-VERSION.tar.gz). */
    static Path builtTarball() {
        return Path.of(System.getProperty("dist.tarball"));
    }

    /** Unpacks the tarball into {@code into}; returns its one top directory. */
    static Path unpack(Path tarball, Path into) throws IOException, InterruptedException {
        Process tar = new ProcessBuilder("tar", "-xzf", tarball.toString(), "-C", into.toString())
                .redirectErrorStream(true).start();
        String out = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (tar.waitFor() != 0) {
            throw new IOException("tar -xzf " + tarball + " failed: " + out);
        }
        try (var dirs = Files.list(into)) {
            List<Path> top = dirs.filter(Files::isDirectory).toList();
            if (top.size() != 1) {
                throw new IOException("the tarball should hold one top directory, holds " + top);
            }
            return top.get(0);
        }
    }

    Path home() {
        return home;
    }

    Path dataDir(String name) {
        return work.resolve(name).resolve("data");
    }

    Path logDir(String name) {
        return work.resolve(name).resolve("logs");
    }

    /** The console output of a process started with -d. */
    Path consoleOut(String name, String script) {
        return logDir(name).resolve(script + ".out");
    }

    /** Runs {@code bin/SCRIPT ARGS} to its end (at most {@code timeout}) with the environment of process {@code name}. */
    Result run(String name, Map<String, String> env, Duration timeout, String script, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(home.resolve("bin").resolve(script).toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile());
        builder.environment().putAll(environment(name, env));
        Path stdout = Files.createTempFile(work, script, ".stdout");
        Path stderr = Files.createTempFile(work, script, ".stderr");
        builder.redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        long start = System.nanoTime();
        Process process = builder.start();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError("bin/" + script + " " + String.join(" ", args) + " did not end within " + timeout
                    + "; stdout: " + Files.readString(stdout) + " stderr: " + Files.readString(stderr));
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        Result result = new Result(process.exitValue(), Files.readString(stdout), Files.readString(stderr), millis);
        Files.delete(stdout);
        Files.delete(stderr);
        return result;
    }

    /**
     * Starts {@code bin/SCRIPT -d --data.dir=DIR ARGS} (data.dir given as two words for mqtt-meta)
     * and waits for {@code readyLine} in its console output.
     */
    void startDaemon(String name, String script, String readyLine, Duration timeout, String... args)
            throws IOException, InterruptedException {
        List<String> all = new ArrayList<>();
        all.add("-d");
        if (script.equals("mqtt-meta")) {
            all.add("--data.dir");
            all.add(dataDir(name).toString());
        } else {
            all.add("--data.dir=" + dataDir(name));
        }
        all.addAll(List.of(args));
        started.put(name, script);
        Result result = run(name, Map.of(), Duration.ofSeconds(30), script, all.toArray(String[]::new));
        if (result.exitCode() != 0) {
            throw new AssertionError("bin/" + script + " -d for " + name + " exited " + result.exitCode() + ": "
                    + result.stdout() + result.stderr());
        }
        awaitLine(consoleOut(name, script), readyLine, timeout);
    }

    /** The pid a started process wrote, or -1. */
    long pid(String name) throws IOException {
        Path file = dataDir(name).resolve(started.get(name) + ".pid");
        return Files.exists(file) ? Long.parseLong(Files.readString(file).trim()) : -1;
    }

    /** {@code bin/SCRIPT stop --data.dir=DIR} of a process started with {@link #startDaemon}. */
    Result stop(String name) throws IOException, InterruptedException {
        String script = started.get(name);
        String dir = dataDir(name).toString();
        String[] args = script.equals("mqtt-meta") ? new String[] {"stop", "--data.dir", dir}
                : new String[] {"stop", "--data.dir=" + dir};
        return run(name, Map.of(), Duration.ofSeconds(90), script, args);
    }

    /** Waits until {@code file} has a line containing {@code text}. */
    static void awaitLine(Path file, String text, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(file) && Files.readString(file, StandardCharsets.UTF_8).contains(text)) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("'" + text + "' not in " + file + " within " + timeout + ":\n"
                + (Files.exists(file) ? tail(Files.readString(file, StandardCharsets.UTF_8)) : "(no file)"));
    }

    private static String tail(String text) {
        return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
    }

    private Map<String, String> environment(String name, Map<String, String> extra) {
        Map<String, String> env = new HashMap<>();
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("LOG_DIR", logDir(name).toString());
        // Several JVMs share the build machine's cores: small heaps, few GC and JIT threads.
        env.put("RMQTT_HEAP", "-Xms64m -Xmx384m");
        env.put("JAVA_OPTS", "-XX:+UseSerialGC -XX:CICompilerCount=2");
        env.putAll(extra);
        return env;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** RocketMQ's broker also listens on its port - 2. */
    static int freeBrokerPort() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int port = freePort();
            if (port > 1026) {
                try (ServerSocket s = new ServerSocket(port - 2, 1, InetAddress.getLoopbackAddress())) {
                    return port;
                } catch (IOException busy) {
                    // try another
                }
            }
        }
        throw new IOException("no free port pair for the broker");
    }

    /** Stops what is still running, in reverse order of start; kills what does not stop. */
    @Override
    public void close() throws IOException, InterruptedException {
        List<String> names = new ArrayList<>(started.keySet());
        java.util.Collections.reverse(names);
        for (String name : names) {
            long pid = pid(name);
            if (pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                try {
                    stop(name);
                } catch (AssertionError | IOException e) {
                    // killed below
                }
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }
}
