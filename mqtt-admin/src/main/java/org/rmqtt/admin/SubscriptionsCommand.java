package org.rmqtt.admin;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mqttadmin subscriptions list --client ID | --filter F}. */
@Command(name = "subscriptions", description = "Subscriptions of a client, or the clients subscribed to a filter.",
        subcommands = SubscriptionsCommand.ListSubscriptions.class)
final class SubscriptionsCommand {

    @Command(name = "list", description = "Lists the subscriptions of one client (connected, or its persistent session), "
            + "or the connected clients subscribed to one filter.")
    static final class ListSubscriptions extends ApiCommand {
        static final class Which {
            @Option(names = "--client", paramLabel = "CLIENT_ID", required = true, description = "The client's subscriptions.")
            String clientId;

            @Option(names = "--filter", paramLabel = "FILTER", required = true, description = "The clients subscribed to exactly FILTER.")
            String filter;
        }

        @ArgGroup(exclusive = true, multiplicity = "1")
        Which which;

        @Override
        JsonNode call(AdminHttp http) {
            return which.clientId != null ? http.get("/api/v1/subscriptions?clientId=" + AdminHttp.param(which.clientId))
                    : http.get("/api/v1/subscriptions?filter=" + AdminHttp.param(which.filter));
        }

        @Override
        void print(JsonNode reply, PrintWriter out) {
            if (reply.has("subscribers")) {
                Table table = new Table("CLIENT ID", "GATEWAY", "QOS");
                for (JsonNode s : each(reply.get("subscribers"))) {
                    table.row(text(s, "clientId"), text(s, "gateway"), text(s, "qos"));
                }
                table.print(out);
                return;
            }
            out.println(text(reply, "clientId") + (reply.path("online").asBoolean()
                    ? " (connected to " + text(reply, "gateway") + ")" : " (offline, persistent session)"));
            Table table = new Table("FILTER", "QOS");
            for (JsonNode s : each(reply.get("subscriptions"))) {
                table.row(text(s, "filter"), text(s, "qos"));
            }
            table.print(out);
        }
    }
}
