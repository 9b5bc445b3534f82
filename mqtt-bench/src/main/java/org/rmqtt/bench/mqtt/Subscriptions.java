package org.rmqtt.bench.mqtt;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.rmqtt.bench.BenchException;
import org.rmqtt.bench.load.Sink;

/** Subscribes connections and routes what they receive to their {@link Sink}. */
public final class Subscriptions {

    /** SUBACK return code of a refused subscription. */
    static final int REFUSED = 0x80;

    private Subscriptions() {
    }

    /**
     * Subscribes {@code clients.get(i)} to {@code filters.get(i)} feeding {@code sinks.get(i)}, all at once,
     * and waits for every SUBACK.
     */
    public static void subscribeAll(List<MqttConnection> clients, List<String> filters, List<Sink> sinks, int qos,
                                    long timeoutMillis) throws InterruptedException {
        List<CompletableFuture<Integer>> acks = new ArrayList<>(clients.size());
        for (int i = 0; i < clients.size(); i++) {
            acks.add(clients.get(i).subscribe(filters.get(i), qos, sinks.get(i)::onMessage));
        }
        try {
            CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            long done = acks.stream().filter(CompletableFuture::isDone).count();
            throw new BenchException(String.format("only %,d of %,d SUBACKs arrived within %,d ms", done, acks.size(), timeoutMillis),
                "check the server's log; give it more time with --connect-timeout, or subscribe fewer clients");
        } catch (ExecutionException e) {
            throw new BenchException("a SUBSCRIBE failed: " + e.getCause(), "check the server's log");
        }
        for (int i = 0; i < acks.size(); i++) {
            if (acks.get(i).join() == REFUSED) {
                throw new BenchException("the server refused the subscription to '" + filters.get(i) + "' (SUBACK 0x80)",
                    "check the server's ACL or topic-filter limits for the benchmark's client ids and topics");
            }
        }
    }
}
