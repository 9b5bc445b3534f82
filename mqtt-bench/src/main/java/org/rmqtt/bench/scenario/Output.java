package org.rmqtt.bench.scenario;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.rmqtt.bench.report.Json;

/** Prints a scenario's summary and writes its JSON file. */
final class Output {

    private Output() {
    }

    static void emit(PrintStream out, String summary, Map<String, Object> result, Path json, int runId) {
        out.print(summary);
        out.flush();
        if (json == null) {
            return;
        }
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("tool", "mqtt-bench");
        document.put("run_id", Integer.toHexString(runId));
        document.put("finished_at", Instant.now().toString());
        document.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        document.put("cpus", Runtime.getRuntime().availableProcessors());
        document.putAll(result);
        try {
            Json.writeFile(json, document);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + json, e);
        }
        out.println("json         " + json.toAbsolutePath());
    }

    /** The progress stream: stderr, so stdout carries only the summary; none when quiet. */
    static PrintStream progress(boolean quiet) {
        return quiet ? null : System.err;
    }
}
