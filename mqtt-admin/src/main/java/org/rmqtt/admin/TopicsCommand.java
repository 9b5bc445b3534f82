package org.rmqtt.admin;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mqttadmin topics}: how MQTT topics map to RocketMQ, and the filters in use with their LMQ backlog. */
@Command(name = "topics", description = "Shows the topic mapping rules and, per filter in use, its LMQ and backlog.")
final class TopicsCommand extends ApiCommand {
    @Option(names = "--prefix", paramLabel = "TEXT", description = "Only filters starting with TEXT.")
    String prefix = "";

    @Option(names = "--limit", paramLabel = "N", defaultValue = "100", description = "At most N filters (default: ${DEFAULT-VALUE}).")
    int limit;

    @Override
    JsonNode call(AdminHttp http) {
        return http.get("/api/v1/topics?prefix=" + AdminHttp.param(prefix) + "&limit=" + limit);
    }

    @Override
    void print(JsonNode reply, PrintWriter out) {
        Table rules = new Table("MQTT FILTER", "ROCKETMQ TOPIC");
        for (JsonNode r : each(reply.get("rules"))) {
            rules.row(text(r, "filter"), text(r, "rocketTopic"));
        }
        rules.row("(anything else)", text(reply, "defaultTopic"));
        rules.print(out);
        out.println();
        Table filters = new Table("FILTER IN USE", "LMQ", "BACKLOG");
        for (JsonNode f : each(reply.get("filters"))) {
            filters.row(text(f, "filter"), text(f, "lmq"), f.has("backlog") ? text(f, "backlog") : "? " + text(f, "error"));
        }
        filters.print(out);
    }
}
