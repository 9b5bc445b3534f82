package org.rmqtt.admin;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mqttadmin publish -t TOPIC -m TEXT | --file F}: a message as if a device had sent it. */
@Command(name = "publish", description = "Publishes a message through a gateway, as a device's publish.")
final class PublishCommand extends ApiCommand {
    @Option(names = {"-t", "--topic"}, required = true, paramLabel = "TOPIC", description = "The topic.")
    String topic;

    static final class Payload {
        @Option(names = {"-m", "--message"}, required = true, paramLabel = "TEXT", description = "The payload, as UTF-8 text.")
        String message;

        @Option(names = "--file", required = true, paramLabel = "FILE", description = "The payload: the bytes of FILE.")
        Path file;
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Payload payload;

    @Option(names = {"-q", "--qos"}, paramLabel = "QOS", defaultValue = "0", description = "0, 1 or 2 (default: ${DEFAULT-VALUE}).")
    int qos;

    @Option(names = {"-r", "--retain"}, description = "Retain the message (an empty payload clears the topic's).")
    boolean retain;

    @Override
    JsonNode call(AdminHttp http) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("topic", topic);
        if (payload != null && payload.file != null) {
            try {
                body.put("payloadBase64", Base64.getEncoder().encodeToString(Files.readAllBytes(payload.file)));
            } catch (IOException e) {
                throw new AdminException("--file: cannot read " + payload.file + ": " + e.getMessage());
            }
        } else {
            body.put("payload", payload == null ? "" : payload.message);
        }
        body.put("qos", qos);
        body.put("retain", retain);
        return http.post("/api/v1/publish", body);
    }

    @Override
    void print(JsonNode reply, PrintWriter out) {
        out.println("published " + text(reply, "size") + " bytes to " + text(reply, "topic") + " (QoS " + text(reply, "qos")
                + (reply.path("retain").asBoolean() ? ", retained" : "") + ")");
    }
}
