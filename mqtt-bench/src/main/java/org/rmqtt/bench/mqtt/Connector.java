package org.rmqtt.bench.mqtt;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Connects many clients at a steady rate with a bounded number of handshakes open at once, and
 * measures each one from the start of the TCP connect to the CONNACK.
 */
public final class Connector {

    /** Handshakes in progress at most, so a slow server sees a queue in the client, not a flood. */
    private static final int MAX_PENDING = 2000;
    private static final long HIGHEST_MICROS = TimeUnit.MINUTES.toMicros(10);

    private final double perSecond;
    private final long timeoutNanos;
    private final Recorder intervalMicros = new Recorder(HIGHEST_MICROS, 3);
    private final Recorder totalMicros = new Recorder(HIGHEST_MICROS, 3);
    private final AtomicLong connected = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicReference<Throwable> firstFailure = new AtomicReference<>();
    /** Written by the connecting thread only; read by the progress line. */
    private volatile long started;

    /** @param connectTimeoutNanos the budget of one handshake; the whole batch is bounded by it too */
    public Connector(double perSecond, long connectTimeoutNanos) {
        this.perSecond = perSecond;
        this.timeoutNanos = connectTimeoutNanos;
    }

    /**
     * Creates and connects {@code count} clients; returns when all finished, succeeded or not, or when
     * the batch deadline passed.
     *
     * @param stopOnFailure stop starting new connections after the first failure
     * @return the clients, in index order, whose CONNACK accepted the connection
     */
    public List<MqttConnection> connect(int count, IntFunction<MqttConnection> factory, boolean stopOnFailure)
        throws InterruptedException {
        // Enough for the paced starts plus one full timeout for the last handshakes.
        long deadline = System.nanoTime() + (long) (count / perSecond * 1e9) + 2 * timeoutNanos
            + TimeUnit.SECONDS.toNanos(5);
        Semaphore pending = new Semaphore(MAX_PENDING);
        MqttConnection[] ok = new MqttConnection[count];
        List<CompletableFuture<?>> futures = new ArrayList<>(count);
        long begin = System.nanoTime();
        for (int i = 0; i < count; i++) {
            if (stopOnFailure && failed.get() > 0) {
                break;
            }
            long due = begin + (long) (i / perSecond * 1e9);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            long left = deadline - System.nanoTime();
            if (left <= 0 || !pending.tryAcquire(left, TimeUnit.NANOSECONDS)) {
                failed.addAndGet(count - i);
                firstFailure.compareAndSet(null, new IllegalStateException(
                    "connect phase exceeded its deadline with " + (count - i) + " connections not started"));
                break;
            }
            MqttConnection client = factory.apply(i);
            int index = i;
            long start = System.nanoTime();
            started++;
            futures.add(client.connect()
                .orTimeout(timeoutNanos, TimeUnit.NANOSECONDS)
                .whenComplete((ack, error) -> {
                    pending.release();
                    if (error == null) {
                        long micros = Math.min(HIGHEST_MICROS, (System.nanoTime() - start) / 1000);
                        intervalMicros.recordValue(micros);
                        totalMicros.recordValue(micros);
                        ok[index] = client;
                        connected.incrementAndGet();
                    } else {
                        failed.incrementAndGet();
                        firstFailure.compareAndSet(null, error);
                        // A timed-out handshake may still complete later; make sure it leaves no socket.
                        client.disconnect();
                    }
                }));
        }
        long left = deadline - System.nanoTime();
        try {
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(Math.max(1, left), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // Individual failures are counted above; a timeout leaves the stragglers as failures below.
        }
        List<MqttConnection> result = new ArrayList<>();
        for (MqttConnection client : ok) {
            if (client != null) {
                result.add(client);
            }
        }
        return result;
    }

    public long started() {
        return started;
    }

    public long connected() {
        return connected.get();
    }

    public long failed() {
        return failed.get();
    }

    public Throwable firstFailure() {
        return firstFailure.get();
    }

    /** Connect latencies since the previous call (microseconds); for progress lines. */
    public Histogram takeInterval() {
        return intervalMicros.getIntervalHistogram();
    }

    /** All connect latencies (microseconds); call once, at the end. */
    public Histogram total() {
        return totalMicros.getIntervalHistogram();
    }
}
