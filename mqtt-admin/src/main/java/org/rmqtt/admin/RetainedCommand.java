package org.rmqtt.admin;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mqttadmin retained list|get|delete}: the retained messages in meta. */
@Command(name = "retained", description = "Retained messages.",
        subcommands = {RetainedCommand.ListRetained.class, RetainedCommand.Get.class, RetainedCommand.Delete.class})
final class RetainedCommand {

    @Command(name = "list", description = "Lists retained messages by topic (without payloads).")
    static final class ListRetained extends ApiCommand {
        @Option(names = "--prefix", paramLabel = "TOPIC", description = "Only TOPIC and the topics below it (whole levels: a/b is a/b and a/b/...).")
        String prefix = "";

        @Option(names = "--limit", paramLabel = "N", defaultValue = "100", description = "At most N messages (default: ${DEFAULT-VALUE}).")
        int limit;

        @Override
        JsonNode call(AdminHttp http) {
            return http.get("/api/v1/retained?prefix=" + AdminHttp.param(prefix) + "&limit=" + limit);
        }

        @Override
        void print(JsonNode reply, PrintWriter out) {
            Table table = new Table("TOPIC", "QOS", "BYTES");
            for (JsonNode m : each(reply.get("retained"))) {
                table.row(text(m, "topic"), text(m, "qos"), text(m, "size"));
            }
            table.print(out);
        }
    }

    @Command(name = "get", description = "Shows the retained message of a topic with its payload.")
    static final class Get extends ApiCommand {
        @Parameters(paramLabel = "TOPIC", description = "The topic.")
        String topic;

        @Override
        JsonNode call(AdminHttp http) {
            return http.get("/api/v1/retained/" + AdminHttp.segment(topic));
        }

        @Override
        void print(JsonNode m, PrintWriter out) {
            new Table("FIELD", "VALUE").row("topic", text(m, "topic")).row("qos", text(m, "qos")).row("bytes", text(m, "size"))
                    .print(out);
            out.println();
            out.println(m.hasNonNull("payload") ? text(m, "payload") : "(binary, base64) " + text(m, "payloadBase64"));
        }
    }

    @Command(name = "delete", description = "Clears the retained message of a topic.")
    static final class Delete extends ApiCommand {
        @Parameters(paramLabel = "TOPIC", description = "The topic.")
        String topic;

        @Override
        JsonNode call(AdminHttp http) {
            return http.delete("/api/v1/retained/" + AdminHttp.segment(topic));
        }

        @Override
        void print(JsonNode reply, PrintWriter out) {
            out.println("cleared the retained message of " + text(reply, "topic"));
        }
    }
}
