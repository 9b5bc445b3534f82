package org.rmqtt.bench.mqtt;

import java.net.InetSocketAddress;
import org.rmqtt.bench.cli.ConnectionOptions;
import org.rmqtt.bench.env.Preflight;

/**
 * Builds the MQTT connections of a run: clean sessions unless asked otherwise, no automatic reconnect (a dropped
 * connection must show up as a failure, not be papered over), and connections spread over
 * 127.0.0.x source addresses when there are more than one address has ephemeral ports for.
 * Closing it stops the I/O threads.
 */
public final class ClientFactory implements AutoCloseable {

    private final ConnectionOptions options;
    private final String idPrefix;
    private final int loopbackSources;
    private final InetSocketAddress server;
    private final MqttTransport transport;

    /**
     * @param runId       goes into client ids so a second run never takes over the first one's sessions
     * @param connections how many clients the run will open, to decide on source addresses
     */
    public ClientFactory(ConnectionOptions options, int runId, int connections) {
        this.options = options;
        this.idPrefix = options.clientPrefix + "-" + Integer.toHexString(runId);
        this.loopbackSources = Preflight.loopbackSourcesNeeded(options.host, connections);
        this.server = new InetSocketAddress(options.host, options.port);
        this.transport = new MqttTransport(options.ioThreads, (int) options.connectTimeout.toMillis());
    }

    /** A clean-session connection, not yet connected; its client id is &lt;prefix&gt;-&lt;run&gt;-&lt;role&gt;&lt;index&gt;. */
    public MqttConnection create(String role, int index) {
        return create(role, index, true);
    }

    /** As {@link #create(String, int)}, with CleanSession=0 in the CONNECT when {@code cleanSession} is false. */
    public MqttConnection create(String role, int index, boolean cleanSession) {
        InetSocketAddress local = loopbackSources > 1 ? new InetSocketAddress("127.0.0." + (1 + index % loopbackSources), 0) : null;
        return new MqttConnection(transport, idPrefix + "-" + role + index, server, local, keepAliveSeconds(), cleanSession);
    }

    public int keepAliveSeconds() {
        return (int) options.keepAlive.toSeconds();
    }

    @Override
    public void close() {
        transport.close();
    }
}
