package org.rmqtt.bench.scenario;

import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.rmqtt.bench.BenchException;
import org.rmqtt.bench.load.Sink;

/**
 * Proves the path works before measuring: probes are sent until every receiver has seen one. A
 * server that acknowledges subscriptions but activates them late (or never) would otherwise show as
 * loss at the start of the run.
 */
final class Readiness {

    private Readiness() {
    }

    static void await(List<Sink> sinks, Runnable sendProbe, long timeoutMillis, long intervalMillis, String what,
                      String fix) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (true) {
            long missing = sinks.stream().filter(s -> !s.probeSeen()).count();
            if (missing == 0) {
                return;
            }
            if (System.currentTimeMillis() >= deadline) {
                throw new BenchException(String.format("%,d of %,d %s received nothing within %,d ms of subscribing",
                    missing, sinks.size(), what, timeoutMillis), fix);
            }
            sendProbe.run();
            Thread.sleep(intervalMillis);
        }
    }

    static String rootMessage(Throwable error) {
        Throwable root = error;
        while ((root instanceof CompletionException || root instanceof ExecutionException) && root.getCause() != null) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }
}
