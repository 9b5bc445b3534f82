package org.rmqtt.admin;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.Iterator;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mqttadmin clients list|show|kick}: connected clients, on any gateway. */
@Command(name = "clients", description = "Connected clients, on every gateway of the cluster.",
        subcommands = {ClientsCommand.ListClients.class, ClientsCommand.Show.class, ClientsCommand.Kick.class})
final class ClientsCommand {

    @Command(name = "list", description = "Lists connected clients, sorted by client id.")
    static final class ListClients extends ApiCommand {
        @Option(names = "--prefix", paramLabel = "TEXT", description = "Only client ids starting with TEXT.")
        String prefix = "";

        @Option(names = "--gateway", paramLabel = "NODE", description = "Only clients connected to gateway NODE.")
        String gateway;

        @Option(names = "--limit", paramLabel = "N", defaultValue = "100", description = "At most N clients (default: ${DEFAULT-VALUE}).")
        int limit;

        @Override
        JsonNode call(AdminHttp http) {
            return http.get("/api/v1/clients?prefix=" + AdminHttp.param(prefix) + "&limit=" + limit
                    + (gateway == null ? "" : "&gateway=" + AdminHttp.param(gateway)));
        }

        @Override
        void print(JsonNode reply, PrintWriter out) {
            Table table = new Table("CLIENT ID", "GATEWAY", "REMOTE ADDRESS", "CONNECTED SINCE", "SESSION", "KEEP-ALIVE",
                    "IN-FLIGHT", "SUBSCRIPTIONS");
            for (JsonNode c : each(reply.get("clients"))) {
                table.row(text(c, "clientId"), text(c, "gateway"), text(c, "remoteAddress"), text(c, "connectedAt"),
                        c.path("cleanSession").asBoolean() ? "clean" : "persistent", c.path("keepAliveSeconds").asInt() + "s",
                        text(c, "inflight"), text(c, "subscriptions"));
            }
            table.print(out);
        }
    }

    @Command(name = "show", description = "Shows one connected client with its subscriptions.")
    static final class Show extends ApiCommand {
        @Parameters(paramLabel = "CLIENT_ID", description = "The client id.")
        String clientId;

        @Override
        JsonNode call(AdminHttp http) {
            return http.get("/api/v1/clients/" + AdminHttp.segment(clientId));
        }

        @Override
        void print(JsonNode c, PrintWriter out) {
            Table fields = new Table("FIELD", "VALUE");
            fields.row("client id", text(c, "clientId")).row("gateway", text(c, "gateway"))
                    .row("remote address", text(c, "remoteAddress")).row("connected since", text(c, "connectedAt"))
                    .row("session", c.path("cleanSession").asBoolean() ? "clean" : "persistent")
                    .row("keep-alive", c.path("keepAliveSeconds").asInt() + "s").row("in-flight", text(c, "inflight"))
                    .row("subscriptions", text(c, "subscriptions"));
            fields.print(out);
            printFilters(c.path("filters"), out);
        }
    }

    static void printFilters(JsonNode filters, PrintWriter out) {
        if (filters.isObject() && filters.size() > 0) {
            out.println();
            Table table = new Table("FILTER", "QOS");
            for (Iterator<Map.Entry<String, JsonNode>> it = filters.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                table.row(e.getKey(), e.getValue().asInt());
            }
            table.print(out);
        }
    }

    @Command(name = "kick", description = "Closes a client's connection, wherever it is; its will is published.")
    static final class Kick extends ApiCommand {
        @Parameters(paramLabel = "CLIENT_ID", description = "The client id.")
        String clientId;

        @Override
        JsonNode call(AdminHttp http) {
            return http.delete("/api/v1/clients/" + AdminHttp.segment(clientId));
        }

        @Override
        void print(JsonNode reply, PrintWriter out) {
            out.println("kicked " + text(reply, "clientId") + " (was on gateway " + text(reply, "gateway") + ")");
        }
    }
}
