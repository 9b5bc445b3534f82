package org.rmqtt.admin;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import picocli.CommandLine.Command;

/** {@code mqttadmin cluster}: the gateways, the meta peers and who leads. */
@Command(name = "cluster", description = "Shows the gateways (reachable, connections) and the meta peers with their leader.")
final class ClusterCommand extends ApiCommand {
    @Override
    JsonNode call(AdminHttp http) {
        return http.get("/api/v1/cluster");
    }

    @Override
    void print(JsonNode reply, PrintWriter out) {
        Table gateways = new Table("GATEWAY", "MQTT", "NOTIFY", "REACHABLE", "CONNECTIONS");
        for (JsonNode g : each(reply.get("gateways"))) {
            String id = g.path("id").asText() + (g.path("self").asBoolean() ? " (this)" : "");
            gateways.row(id, text(g, "mqttAddress"), text(g, "notifyAddress"),
                    g.path("reachable").asBoolean() ? "yes" : "no: " + text(g, "error"), text(g, "connections"));
        }
        gateways.print(out);
        out.println();
        JsonNode meta = reply.path("meta");
        if (meta.has("error")) {
            out.println("meta: " + text(meta, "error"));
            return;
        }
        Table peers = new Table("META PEER", "ADDRESS", "ROLE", "LEADER");
        for (JsonNode p : each(meta.get("peers"))) {
            peers.row(text(p, "id"), text(p, "address"), p.hasNonNull("error") ? "unreachable: " + text(p, "error") : text(p, "role"),
                    text(p, "leader"));
        }
        peers.print(out);
        out.println("meta leader: " + (meta.hasNonNull("leader") ? text(meta, "leader") : "none"));
    }
}
