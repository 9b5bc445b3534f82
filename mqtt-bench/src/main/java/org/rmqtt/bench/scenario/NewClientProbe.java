package org.rmqtt.bench.scenario;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;
import org.rmqtt.bench.mqtt.MqttConnection;

/**
 * How soon a server serves new clients after many went at once: new clients connect one after
 * the other, each started {@code interval} after the previous one (or when it finished, if later),
 * and each is timed from its TCP connect to its CONNACK, then disconnected again.
 */
final class NewClientProbe {

    private static final long DISCONNECT_WAIT_MILLIS = 5_000;

    private NewClientProbe() {
    }

    /** One new client: when it started (after the close began), its CONNECT to CONNACK, or why it failed. */
    record Attempt(long startedAfterMicros, long latencyMicros, String error) {

        boolean ok() {
            return error == null;
        }
    }

    /** The attempts, in order. */
    record Result(List<Attempt> attempts) {

        long connected() {
            return attempts.stream().filter(Attempt::ok).count();
        }

        long failed() {
            return attempts.size() - connected();
        }

        /** The slowest CONNACK among those that came, in microseconds; -1 if none came. */
        long maxMicros() {
            return attempts.stream().filter(Attempt::ok).mapToLong(Attempt::latencyMicros).max().orElse(-1);
        }

        String firstError() {
            return attempts.stream().filter(a -> !a.ok()).map(Attempt::error).findFirst().orElse(null);
        }

        String summary() {
            StringBuilder out = new StringBuilder(String.format("new clients  %,d of %,d connected after the close; CONNACK in",
                connected(), attempts.size()));
            for (Attempt a : attempts) {
                out.append(' ').append(a.ok() ? ms(a.latencyMicros()) : "failed");
            }
            out.append(" ms");
            if (maxMicros() >= 0) {
                out.append(String.format(" (max %s ms)", ms(maxMicros())));
            }
            out.append('\n');
            if (firstError() != null) {
                out.append("first error  ").append(firstError()).append('\n');
            }
            return out.toString();
        }

        Map<String, Object> toJson() {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("count", attempts.size());
            json.put("connected", connected());
            json.put("failed", failed());
            json.put("max_ms", maxMicros() < 0 ? null : maxMicros() / 1000.0);
            json.put("latencies_ms", attempts.stream().map(a -> a.ok() ? a.latencyMicros() / 1000.0 : null).toList());
            json.put("started_after_close_ms", attempts.stream().map(a -> a.startedAfterMicros() / 1000.0).toList());
            json.put("first_error", firstError());
            return json;
        }

        private static String ms(long micros) {
            return String.format("%.1f", micros / 1000.0);
        }
    }

    /**
     * @param closeStartNanos {@link System#nanoTime()} when the close of the other clients began;
     *                        the first client starts at once
     */
    static Result run(int count, long intervalNanos, long timeoutNanos, long closeStartNanos,
                      IntFunction<MqttConnection> create) throws InterruptedException {
        List<Attempt> attempts = new ArrayList<>(count);
        long first = System.nanoTime();
        for (int i = 0; i < count; i++) {
            long wait = first + i * intervalNanos - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            MqttConnection client = create.apply(i);
            long start = System.nanoTime();
            String error = null;
            try {
                client.connect().get(timeoutNanos, TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                error = Readiness.rootMessage(e.getCause());
            } catch (TimeoutException e) {
                error = "no CONNACK within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms";
            }
            long latency = (System.nanoTime() - start) / 1000;
            attempts.add(new Attempt((start - closeStartNanos) / 1000, latency, error));
            try {
                client.disconnect().get(DISCONNECT_WAIT_MILLIS, TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                // The next client does not depend on this one's goodbye.
            }
        }
        return new Result(attempts);
    }
}
