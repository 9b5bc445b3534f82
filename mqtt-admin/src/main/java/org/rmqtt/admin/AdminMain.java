package org.rmqtt.admin;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.rmqtt.gateway.auth.PasswdCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code bin/mqttadmin}: operate a gateway cluster through any gateway's admin API. Global options
 * may be given before or after the command; errors print one line on stderr and exit non-zero
 * (2 for a bad command line, 1 for a failed request).
 */
@Command(name = "mqttadmin", mixinStandardHelpOptions = true, version = "mqttadmin (RocketMQ MQTT gateway)",
        description = "Operates an MQTT gateway cluster through a gateway's admin HTTP API; any gateway answers for the cluster.",
        subcommandsRepeatable = false, scope = ScopeType.INHERIT)
public final class AdminMain implements Runnable {
    static final String URL_ENV = "RMQTT_ADMIN_URL";
    static final String DEFAULT_URL = "http://127.0.0.1:8088";

    /**
     * The commands, in the order help lists them. A new command is one more entry here (e.g. the
     * credentials command of the authentication work).
     */
    static List<Object> commands() {
        return List.of(new ClusterCommand(), new ClientsCommand(), new SessionsCommand(), new SubscriptionsCommand(),
                new RetainedCommand(), new PublishCommand(), new TopicsCommand(), new PasswdCommand());
    }

    @Option(names = "--url", scope = ScopeType.INHERIT, paramLabel = "URL",
            description = "A gateway's admin API (default: $" + URL_ENV + ", else " + DEFAULT_URL + ").")
    String url;

    @Option(names = "--token-file", scope = ScopeType.INHERIT, paramLabel = "FILE",
            description = "A file holding the admin API token (the gateway's admin.tokenFile).")
    Path tokenFile;

    @Option(names = "--json", scope = ScopeType.INHERIT, description = "Print the API's JSON instead of tables.")
    boolean json;

    @Option(names = "--timeout", scope = ScopeType.INHERIT, paramLabel = "DURATION", defaultValue = "10s",
            converter = DurationConverter.class, description = "How long to wait for an answer: 500ms, 10s, 1m (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    private Map<String, String> env = System.getenv();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    /** The API client these options describe. */
    AdminHttp http() {
        String base = url != null ? url : env.getOrDefault(URL_ENV, DEFAULT_URL);
        String token = null;
        if (tokenFile != null) {
            try {
                token = Files.readString(tokenFile, StandardCharsets.UTF_8).strip().lines().findFirst().orElse("").strip();
            } catch (IOException e) {
                throw new AdminException("--token-file: cannot read " + tokenFile + ": " + e.getMessage());
            }
            if (token.isEmpty()) {
                throw new AdminException("--token-file: " + tokenFile + " is empty");
            }
        }
        return new AdminHttp(base, token, timeout);
    }

    /** The command line with every command registered and errors reported in one line each. */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err, Map<String, String> env) {
        AdminMain main = new AdminMain();
        main.env = env;
        CommandLine cli = new CommandLine(main);
        commands().forEach(cli::addSubcommand);
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            String message = e instanceof AdminException ? e.getMessage()
                    : e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
            commandLine.getErr().println("mqttadmin: " + message);
            commandLine.getErr().flush();
            return commandLine.getCommandSpec().exitCodeOnExecutionException();
        });
        cli.setParameterExceptionHandler((e, args) -> {
            CommandLine failed = e.getCommandLine();
            failed.getErr().println("mqttadmin: " + e.getMessage() + " (see: " + failed.getCommandSpec().qualifiedName()
                    + " --help)");
            failed.getErr().flush();
            return failed.getCommandSpec().exitCodeOnInvalidInput();
        });
        return cli;
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        System.exit(commandLine(out, err, System.getenv()).execute(args));
    }

    /** Durations as the config files write them: 500ms, 10s, 1m. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        private static final Pattern FORMAT = Pattern.compile("(\\d{1,9})(ms|s|m)");

        @Override
        public Duration convert(String value) {
            Matcher m = FORMAT.matcher(value.trim());
            if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
                throw new CommandLine.TypeConversionException("not a duration (500ms, 10s, 1m): " + value);
            }
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                default -> Duration.ofMinutes(n);
            };
        }
    }
}
