package org.rmqtt.bench;

import java.io.PrintWriter;
import org.rmqtt.bench.scenario.BackendCommand;
import org.rmqtt.bench.scenario.ConnCommand;
import org.rmqtt.bench.scenario.FanoutCommand;
import org.rmqtt.bench.scenario.IdleCommand;
import org.rmqtt.bench.scenario.PubSubCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * mqtt-bench: measures an MQTT 3.1.1 server (and the gateway's RocketMQ paths) with the scenarios
 * pubsub, fanout, conn, backend and idle.
 *
 * <p>Exit codes: 0 done, 1 --strict and the counts did not add up, 2 bad arguments, 3 the scenario
 * cannot run here (unreachable peer, file-descriptor limit, ...), with cause and fix on stderr.
 */
@Command(name = "mqtt-bench", mixinStandardHelpOptions = true, version = "mqtt-bench 0.1.0",
    description = "Load generator and latency/loss meter for MQTT servers.",
    subcommands = {PubSubCommand.class, FanoutCommand.class, ConnCommand.class, BackendCommand.class, IdleCommand.class})
public final class BenchMain implements Runnable {

    /** The scenario could not run in this environment. */
    public static final int EXIT_ENVIRONMENT = 3;

    public static void main(String[] args) {
        // The RocketMQ client of the backend scenario logs below the home directory unless told.
        if (System.getProperty("rocketmq.log.root") == null) {
            System.setProperty("rocketmq.log.root",
                    java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "mqtt-bench-logs").toString());
        }
        System.exit(commandLine().execute(args));
    }

    /** The configured command line; tests run it without exiting the JVM. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new BenchMain());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            if (e instanceof BenchException bench) {
                err.println("mqtt-bench: " + bench.describe());
                err.flush();
                return EXIT_ENVIRONMENT;
            }
            throw e;
        });
        return cli;
    }

    @Override
    public void run() {
        // No scenario named: show what there is.
        CommandLine.usage(this, System.err);
    }
}
