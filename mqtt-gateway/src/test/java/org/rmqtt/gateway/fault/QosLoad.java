package org.rmqtt.gateway.fault;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * QoS 1 load across the cluster: paced publishers with sequence numbers in their payloads, and
 * persistent-session subscribers (CleanSession=0) that record every receipt. Both move to the
 * next gateway when their connection fails. A message counts as acknowledged only once its
 * publisher got the PUBACK.
 */
final class QosLoad implements AutoCloseable {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final int WINDOW = 64;
    private static final int KEEP_ALIVE_SECONDS = 5;

    /** One receipt at a subscriber. */
    record Receipt(int publisher, long seq, boolean dup, long nanos) {}

    private final List<Publisher> publishers = new ArrayList<>();
    private final List<Subscriber> subscribers = new ArrayList<>();

    Publisher addPublisher(int index, String topic, List<String> uris, int ratePerSecond) {
        Publisher p = new Publisher(index, topic, uris, ratePerSecond);
        publishers.add(p);
        return p;
    }

    Subscriber addSubscriber(String clientId, String filter, List<String> uris, List<Integer> publisherIndexes) {
        Subscriber s = new Subscriber(clientId, filter, uris, publisherIndexes);
        subscribers.add(s);
        return s;
    }

    List<Publisher> publishers() {
        return publishers;
    }

    List<Subscriber> subscribers() {
        return subscribers;
    }

    static byte[] payload(int publisher, long seq) {
        return ("p" + publisher + ":" + seq).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        publishers.forEach(Publisher::stop);
        subscribers.forEach(Subscriber::close);
    }

    static MqttConnectOptions options(boolean cleanSession) {
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(cleanSession);
        // Paho's default falls back to MQTT 3.1 after a refused CONNECT, and 3.1 allows client
        // ids of 23 characters at most: a retry would then fail on the id, not on the server.
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        options.setAutomaticReconnect(false);
        options.setKeepAliveInterval(KEEP_ALIVE_SECONDS);
        options.setConnectionTimeout((int) CONNECT_TIMEOUT.toSeconds());
        options.setMaxInflight(WINDOW * 2);
        return options;
    }

    /** A connected client on {@code uri}, or an exception once the CONNECT was refused or timed out. */
    static MqttAsyncClient connect(String uri, String clientId, boolean cleanSession, MqttCallback callback,
            boolean[] sessionPresent) throws MqttException {
        MqttAsyncClient client = new MqttAsyncClient(uri, clientId, new MemoryPersistence());
        client.setCallback(callback);
        try {
            IMqttToken token = client.connect(options(cleanSession));
            token.waitForCompletion(CONNECT_TIMEOUT.toMillis());
            if (!client.isConnected()) {
                throw new MqttException(MqttException.REASON_CODE_CLIENT_TIMEOUT);
            }
            if (sessionPresent != null) {
                sessionPresent[0] = token.getSessionPresent();
            }
            return client;
        } catch (MqttException e) {
            closeQuietly(client);
            throw e;
        }
    }

    static void closeQuietly(MqttAsyncClient client) {
        if (client == null) {
            return;
        }
        try {
            if (client.isConnected()) {
                client.disconnectForcibly(0, 500);
            }
        } catch (MqttException ignored) {
            // going away anyway
        }
        try {
            client.close(true);
        } catch (MqttException ignored) {
            // going away anyway
        }
    }

    /** Publishes {@code topic} at a fixed rate with at most {@link #WINDOW} messages unacknowledged. */
    static final class Publisher {
        final int index;
        final String topic;
        private final List<String> uris;
        private final long periodNanos;
        /** seq → when it was handed to the client; seq → when its PUBACK came. */
        final Map<Long, Long> sentAt = new ConcurrentHashMap<>();
        final Map<Long, Long> ackedAt = new ConcurrentHashMap<>();
        final AtomicInteger connects = new AtomicInteger();
        private volatile boolean running = true;
        private final Thread thread;

        Publisher(int index, String topic, List<String> uris, int ratePerSecond) {
            this.index = index;
            this.topic = topic;
            this.uris = List.copyOf(uris);
            this.periodNanos = TimeUnit.SECONDS.toNanos(1) / ratePerSecond;
            this.thread = new Thread(this::run, "fault-publisher-" + index);
        }

        void start() {
            thread.start();
        }

        /** Stops publishing and gives outstanding PUBACKs {@code grace} to come. */
        void stop(Duration grace) {
            this.grace = grace;
            running = false;
            try {
                thread.join(grace.toMillis() + 15_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void stop() {
            stop(Duration.ZERO);
        }

        private volatile Duration grace = Duration.ofSeconds(5);

        private void run() {
            MqttAsyncClient client = null;
            Semaphore window = null;
            int uri = 0;
            long seq = 0;
            long next = System.nanoTime();
            try {
                while (running) {
                    if (client == null || !client.isConnected()) {
                        if (client != null) {
                            closeQuietly(client);
                            client = null;
                            uri++; // the connection failed: try the next gateway
                        }
                        try {
                            client = connect(uris.get(uri % uris.size()), "fault-pub-" + index + "-" + System.nanoTime(),
                                    true, null, null);
                            connects.incrementAndGet();
                            window = new Semaphore(WINDOW);
                        } catch (MqttException e) {
                            uri++;
                            sleep(200);
                        }
                        next = System.nanoTime();
                        continue;
                    }
                    long now = System.nanoTime();
                    if (next > now) {
                        LockSupport.parkNanos(next - now);
                    } else if (now - next > TimeUnit.SECONDS.toNanos(1)) {
                        next = now; // fell behind (stalled): do not burst to make up for it
                    }
                    if (!window.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                        continue;
                    }
                    long s = seq++;
                    Semaphore w = window;
                    sentAt.put(s, System.nanoTime());
                    try {
                        client.publish(topic, payload(index, s), 1, false, null, new IMqttActionListener() {
                            @Override
                            public void onSuccess(IMqttToken token) {
                                ackedAt.put(s, System.nanoTime());
                                w.release();
                            }

                            @Override
                            public void onFailure(IMqttToken token, Throwable e) {
                                w.release();
                            }
                        });
                    } catch (MqttException e) {
                        w.release();
                        closeQuietly(client); // reconnect on the next round
                    }
                    next += periodNanos;
                }
                // Let PUBACKs of the last messages come.
                long deadline = System.nanoTime() + grace.toNanos();
                while (client != null && client.isConnected() && window.availablePermits() < WINDOW
                        && System.nanoTime() < deadline) {
                    sleep(20);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                closeQuietly(client);
            }
        }
    }

    /** A persistent session that subscribes once and afterwards only reconnects (sessionPresent expected). */
    static final class Subscriber implements MqttCallback {
        final String clientId;
        final String filter;
        final List<Integer> publisherIndexes;
        private final List<String> uris;
        final ConcurrentLinkedQueue<Receipt> receipts = new ConcurrentLinkedQueue<>();
        /** Reconnects on which the gateway said it had no session: the session was lost. */
        final AtomicInteger sessionLost = new AtomicInteger();
        final AtomicInteger reconnects = new AtomicInteger();
        private volatile MqttAsyncClient client;
        private volatile boolean closed;
        private int uri;
        private Thread reconnector;

        Subscriber(String clientId, String filter, List<String> uris, List<Integer> publisherIndexes) {
            this.clientId = clientId;
            this.filter = filter;
            this.uris = List.copyOf(uris);
            this.publisherIndexes = List.copyOf(publisherIndexes);
        }

        void connectAndSubscribe() throws MqttException {
            boolean[] present = new boolean[1];
            client = connect(uris.get(0), clientId, false, this, present);
            IMqttToken token = client.subscribe(filter, 1);
            token.waitForCompletion(CONNECT_TIMEOUT.toMillis());
            int[] granted = token.getGrantedQos();
            if (granted == null || granted.length != 1 || granted[0] != 1) {
                throw new IllegalStateException(clientId + ": SUBSCRIBE " + filter + " not granted QoS 1");
            }
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            String text = new String(message.getPayload(), StandardCharsets.UTF_8);
            int colon = text.indexOf(':');
            receipts.add(new Receipt(Integer.parseInt(text.substring(1, colon)), Long.parseLong(text.substring(colon + 1)),
                    message.isDuplicate(), System.nanoTime()));
        }

        @Override
        public synchronized void connectionLost(Throwable cause) {
            if (closed || (reconnector != null && reconnector.isAlive())) {
                return;
            }
            reconnector = new Thread(this::reconnect, "fault-subscriber-reconnect-" + clientId);
            reconnector.start();
        }

        private void reconnect() {
            closeQuietly(client);
            while (!closed) {
                uri++;
                try {
                    boolean[] present = new boolean[1];
                    client = connect(uris.get(uri % uris.size()), clientId, false, this, present);
                    reconnects.incrementAndGet();
                    if (!present[0]) {
                        sessionLost.incrementAndGet();
                    }
                    return;
                } catch (MqttException e) {
                    sleep(200);
                }
            }
        }

        @Override
        public void deliveryComplete(IMqttDeliveryToken token) {
        }

        /** Disconnects, then ends the session (a clean CONNECT) so that its filter is no longer in use. */
        void close() {
            closed = true;
            closeQuietly(client);
            for (String u : uris) {
                try {
                    MqttAsyncClient clean = connect(u, clientId, true, null, null);
                    clean.disconnect().waitForCompletion(5_000);
                    closeQuietly(clean);
                    return;
                } catch (MqttException e) {
                    // try the next gateway
                }
            }
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
