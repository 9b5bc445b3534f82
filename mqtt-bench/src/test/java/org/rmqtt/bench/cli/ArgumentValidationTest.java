package org.rmqtt.bench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.rmqtt.bench.BenchMain;
import picocli.CommandLine;

/** Bad input fails before anything connects, with exit code 2 and a message naming the option. */
class ArgumentValidationTest {

    private record Run(int exit, String err) {
    }

    private static Run run(String... args) {
        CommandLine cli = BenchMain.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        cli.setOut(new PrintWriter(new StringWriter()));
        int exit = cli.execute(args);
        return new Run(exit, err.toString());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "pubsub --qos 3                          | --qos must be between 0 and 2",
        "pubsub --payload 10                     | --payload must be between 28",
        "pubsub -P 2 -S 5 --topics 3             | --topics must be between 1 and 2",
        "pubsub --devices -P 3 -S 2              | --devices needs as many publishers as subscribers",
        "pubsub --rate 0                         | rate must be above 0",
        "pubsub --rate soon                      | 'soon' is not a rate",
        "pubsub --duration 0s                    | --duration must be between 1s",
        "pubsub --warmup 2h                      | --warmup must be between 0s and 3600s",
        "pubsub --inflight 40000                 | --inflight must be between 1 and 32,768",
        "pubsub --port 70000                     | --port must be between 1 and 65,535",
        "pubsub --client-prefix a/b              | --client-prefix must be",
        "pubsub --connect-rate 0                 | --connect-rate must be above 0",
        "fanout --subscribers 0                  | --subscribers must be between 1",
        "fanout --filter star                    | Invalid value for option '--filter'",
        "conn --connections 0                    | --connections must be between 1",
        "conn --metrics-url ftp://x/metrics      | --metrics-url must be an http",
        "conn --probes 2000                      | --probes must be between 0 and 1,000",
        "conn --probe-interval 2m                | --probe-interval must be between 0s and 60s",
        "conn --close reset                      | Invalid value for option '--close'",
        "backend                                 | Missing required option: '--namesrv",
        "backend --namesrv localhost             | --namesrv must be host:port",
        "backend --namesrv 127.0.0.1:9876 --topic a/b | is not a RocketMQ topic name",
        "idle | --server-pid",
        "idle --server-pid 1 --duration 0s | --duration",
        "backend --namesrv 127.0.0.1:9876 --direction sideways | --direction must be both, to-device, from-device or storage",
    })
    void rejectsWithExitCode2AndNamesTheProblem(String args, String message) {
        Run run = run(args.trim().split("\\s+"));

        assertThat(run.exit()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(run.err()).contains(message.trim());
    }

    @Test
    void anUnreachableServerFailsAtOnceWithCauseAndFix() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort(); // Closed again: nothing listens there now.
        }
        long start = System.nanoTime();

        Run run = run("pubsub", "--port", Integer.toString(port), "--duration", "1s");

        assertThat(run.exit()).isEqualTo(BenchMain.EXIT_ENVIRONMENT);
        assertThat(run.err()).contains("cannot reach the MQTT server at 127.0.0.1:" + port, "Fix: start the server");
        assertThat(System.nanoTime() - start).as("fails fast, no retry loop").isLessThan(5_000_000_000L);
    }

    @Test
    void everyScenarioIsThere() {
        assertThat(BenchMain.commandLine().getSubcommands()).containsOnlyKeys("pubsub", "fanout", "conn", "backend", "idle");
    }
}
