package org.rmqtt.admin;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mqttadmin sessions list|show|delete}: persistent sessions, as meta keeps them. */
@Command(name = "sessions", description = "Persistent sessions (CleanSession=0), connected or not.",
        subcommands = {SessionsCommand.ListSessions.class, SessionsCommand.Show.class, SessionsCommand.Delete.class})
final class SessionsCommand {

    @Command(name = "list", description = "Lists persistent sessions, sorted by client id.")
    static final class ListSessions extends ApiCommand {
        @Option(names = "--prefix", paramLabel = "TEXT", description = "Only client ids starting with TEXT.")
        String prefix = "";

        @Option(names = "--limit", paramLabel = "N", defaultValue = "100", description = "At most N sessions (default: ${DEFAULT-VALUE}).")
        int limit;

        @Override
        JsonNode call(AdminHttp http) {
            return http.get("/api/v1/sessions?prefix=" + AdminHttp.param(prefix) + "&limit=" + limit);
        }

        @Override
        void print(JsonNode reply, PrintWriter out) {
            Table table = new Table("CLIENT ID", "ONLINE", "OWNER", "SUBSCRIPTIONS", "EXPIRES AT");
            for (JsonNode s : each(reply.get("sessions"))) {
                table.row(text(s, "clientId"), s.path("online").asBoolean() ? "yes" : "no", text(s, "owner"),
                        s.path("subscriptions").size(), expiry(s));
            }
            table.print(out);
        }
    }

    static String expiry(JsonNode s) {
        if (s.hasNonNull("expiresAt")) {
            return ApiCommand.text(s, "expiresAt");
        }
        return s.path("expiryMillis").asLong() == 0 ? "never" : "- (connected)";
    }

    @Command(name = "show", description = "Shows one persistent session with its subscriptions.")
    static final class Show extends ApiCommand {
        @Parameters(paramLabel = "CLIENT_ID", description = "The client id.")
        String clientId;

        @Override
        JsonNode call(AdminHttp http) {
            return http.get("/api/v1/sessions/" + AdminHttp.segment(clientId));
        }

        @Override
        void print(JsonNode s, PrintWriter out) {
            new Table("FIELD", "VALUE").row("client id", text(s, "clientId"))
                    .row("online", s.path("online").asBoolean() ? "yes" : "no").row("owner", text(s, "owner"))
                    .row("expiry", s.path("expiryMillis").asLong() == 0 ? "never" : s.path("expiryMillis").asLong() / 1000 + "s after disconnect")
                    .row("expires at", expiry(s)).print(out);
            if (s.path("subscriptions").size() > 0) {
                out.println();
                Table subs = new Table("FILTER", "QOS");
                for (JsonNode sub : each(s.get("subscriptions"))) {
                    subs.row(text(sub, "filter"), text(sub, "qos"));
                }
                subs.print(out);
            }
        }
    }

    @Command(name = "delete", description = "Ends a persistent session and its subscriptions; its connection, if any, is closed.")
    static final class Delete extends ApiCommand {
        @Parameters(paramLabel = "CLIENT_ID", description = "The client id.")
        String clientId;

        @Override
        JsonNode call(AdminHttp http) {
            return http.delete("/api/v1/sessions/" + AdminHttp.segment(clientId));
        }

        @Override
        void print(JsonNode reply, PrintWriter out) {
            out.println("deleted the session of " + text(reply, "clientId")
                    + (reply.path("kicked").asBoolean() ? " (its connection was closed)" : ""));
        }
    }
}
