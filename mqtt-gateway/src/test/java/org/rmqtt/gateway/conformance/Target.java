package org.rmqtt.gateway.conformance;

import java.util.HashMap;
import java.util.Map;
import org.rmqtt.gateway.Gateway;
import org.rmqtt.gateway.TestGateways;
import org.rmqtt.gateway.connection.Violation;

/**
 * The server the conformance suite talks to: by default a gateway started in this JVM (on the
 * shared RocketMQ, whose store it uses in-process as the standalone does), or the broker named by
 * {@code -Dconformance.target=host:port} (e.g. Mosquitto, to compare). One per test class; {@link #close} stops what it started.
 *
 * <p>The in-process gateway runs with {@code subscribe.deny=test/nosubscribe},
 * {@code subscribe.maxPerSession=10} and a 2 s connect timeout, which some tests rely on.
 */
final class Target implements AutoCloseable {
    static final String PROPERTY = "conformance.target";
    static final String DENIED_FILTER = "test/nosubscribe";
    static final int MAX_SUBSCRIPTIONS = 10;

    private final Gateway gateway;
    private final String host;
    private final int port;

    private Target(Gateway gateway, String host, int port) {
        this.gateway = gateway;
        this.host = host;
        this.port = port;
    }

    static Target start() {
        return start(Map.of());
    }

    /** @param overrides gateway configuration beyond the suite's own; ignored for an external target */
    static Target start(Map<String, String> overrides) {
        String external = System.getProperty(PROPERTY, "").trim();
        if (!external.isEmpty()) {
            int colon = external.lastIndexOf(':');
            return new Target(null, external.substring(0, colon), Integer.parseInt(external.substring(colon + 1)));
        }
        Map<String, String> config = new HashMap<>();
        config.put("subscribe.deny", DENIED_FILTER);
        config.put("subscribe.maxPerSession", Integer.toString(MAX_SUBSCRIPTIONS));
        config.put("mqtt.connectTimeoutSeconds", "2");
        config.putAll(overrides);
        Gateway gateway = TestGateways.startInProcess(config);
        return new Target(gateway, "127.0.0.1", gateway.mqttPort());
    }

    /** A topic level or client id no other test uses. */
    static String unique(String prefix) {
        return prefix + java.util.UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    }

    /** True when the suite runs against this project's gateway (not an external reference broker). */
    boolean isGateway() {
        return gateway != null;
    }

    String host() {
        return host;
    }

    int port() {
        return port;
    }

    String uri() {
        return "tcp://" + host + ":" + port;
    }

    RawClient raw() {
        return new RawClient(host, port);
    }

    /** Connections the gateway closed for {@code violation}; -1 against an external target. */
    long violations(Violation violation) {
        return gateway == null ? -1 : gateway.violations().count(violation);
    }

    @Override
    public void close() {
        if (gateway != null) {
            gateway.close();
        }
    }
}
