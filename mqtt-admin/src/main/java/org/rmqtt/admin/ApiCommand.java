package org.rmqtt.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.stream.StreamSupport;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A command that calls the API once and prints the answer as JSON or in its own format. */
abstract class ApiCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public final Integer call() {
        AdminMain main = (AdminMain) spec.root().userObject();
        JsonNode reply = call(main.http());
        PrintWriter out = spec.commandLine().getOut();
        if (main.json) {
            try {
                out.println(AdminHttp.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(reply));
            } catch (JsonProcessingException e) {
                throw new AdminException("cannot print the reply: " + e.getOriginalMessage());
            }
        } else {
            print(reply, out);
        }
        out.flush();
        warnUnreachable(reply);
        return 0;
    }

    /** The one API call of this command. */
    abstract JsonNode call(AdminHttp http);

    /** The reply for people. */
    abstract void print(JsonNode reply, PrintWriter out);

    /** Gateways that did not answer a cluster-wide question: the answer is partial; said on stderr. */
    private void warnUnreachable(JsonNode reply) {
        if (reply.has("unreachable")) {
            PrintWriter err = spec.commandLine().getErr();
            for (JsonNode u : reply.get("unreachable")) {
                err.println("mqttadmin: warning: gateway " + u.path("gateway").asText() + " did not answer: "
                        + u.path("error").asText() + " (its clients are missing above)");
            }
            err.flush();
        }
    }

    static Iterable<JsonNode> each(JsonNode array) {
        return array == null ? java.util.List.of() : () -> StreamSupport.stream(array.spliterator(), false).iterator();
    }

    /** A field as text, or null when absent or null. */
    static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }
}
