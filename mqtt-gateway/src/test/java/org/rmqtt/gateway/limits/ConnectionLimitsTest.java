package org.rmqtt.gateway.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.rmqtt.common.health.Counters;
import org.rmqtt.gateway.connection.ConnectionContext;
import org.rmqtt.gateway.connection.Violation;
import org.rmqtt.gateway.connection.ViolationCounters;
import org.rmqtt.gateway.server.EmbeddedGateway;

/** limits.maxConnections, limits.maxConnectionsPerIp and limits.connectRatePerIp at accept time. */
class ConnectionLimitsTest {
    private static final InetAddress A = address(10, 0, 0, 1);
    private static final InetAddress B = address(10, 0, 0, 2);

    private final ViolationCounters violations = new ViolationCounters();
    private final AtomicLong clock = new AtomicLong();
    /** channelActive calls that got past the limit handlers. */
    private final AtomicInteger activeBehind = new AtomicInteger();

    @Test
    void perIpLimitRefusesTheNextConnectionFromThatAddressOnlyAndCountsDownOnClose() {
        Limits limits = limits(Map.of("limits.maxConnectionsPerIp", "2"));
        EmbeddedChannel a1 = accept(limits, A);
        EmbeddedChannel a2 = accept(limits, A);
        EmbeddedChannel a3 = accept(limits, A);
        EmbeddedChannel b1 = accept(limits, B);
        assertThat(a1.isActive()).isTrue();
        assertThat(a2.isActive()).isTrue();
        assertThat(a3.isOpen()).as("third from A refused").isFalse();
        assertThat(b1.isActive()).as("another address is not affected").isTrue();
        assertThat(violations.count(Violation.MAX_CONNECTIONS_PER_IP)).isEqualTo(1);
        assertThat(activeBehind).as("the refused one never reached the handlers behind").hasValue(3);
        assertThat(limits.connectionsFrom(A)).isEqualTo(2);

        a1.close();
        assertThat(limits.connectionsFrom(A)).isEqualTo(1);
        assertThat(accept(limits, A).isActive()).as("room again after a close").isTrue();

        a2.close();
        b1.close();
        assertThat(limits.connectionsFrom(B)).isZero();
        assertThat(limits.trackedAddresses()).as("an address with no connection is forgotten").isEqualTo(1);
    }

    @Test
    void gatewayLimitRefusesBeyondTheTotal() {
        Limits limits = limits(Map.of("limits.maxConnections", "2", "limits.maxConnectionsPerIp", "5"));
        EmbeddedChannel a1 = accept(limits, A);
        accept(limits, B);
        EmbeddedChannel refused = accept(limits, B);
        assertThat(refused.isOpen()).isFalse();
        assertThat(violations.count(Violation.MAX_CONNECTIONS)).isEqualTo(1);
        assertThat(limits.connectionsFrom(B)).as("a refused connection is not counted").isEqualTo(1);
        a1.close();
        assertThat(accept(limits, B).isActive()).isTrue();
    }

    @Test
    void connectRatePerIpRefusesOverTheBurstUntilTokensComeBack() {
        Limits limits = limits(Map.of("limits.connectRatePerIp", "1", "limits.connectBurstPerIp", "3"));
        for (int i = 0; i < 3; i++) {
            assertThat(accept(limits, A).isActive()).isTrue();
        }
        assertThat(accept(limits, A).isOpen()).as("over the burst").isFalse();
        assertThat(accept(limits, B).isActive()).as("another address has its own bucket").isTrue();
        assertThat(violations.count(Violation.CONNECT_RATE)).isEqualTo(1);
        clock.addAndGet(TimeUnit.SECONDS.toNanos(1));
        assertThat(accept(limits, A).isActive()).as("one more a second later").isTrue();
        assertThat(accept(limits, A).isOpen()).isFalse();
        assertThat(violations.count(Violation.CONNECT_RATE)).isEqualTo(2);
    }

    @Test
    void withoutLimitsEverythingIsAccepted() {
        Limits limits = limits(Map.of());
        for (int i = 0; i < 50; i++) {
            assertThat(accept(limits, A).isActive()).isTrue();
        }
        assertThat(limits.trackedAddresses()).as("nothing tracked when off").isZero();
    }

    private Limits limits(Map<String, String> values) {
        return EmbeddedGateway.limits(values, new Counters(), clock::get);
    }

    /** A connection from {@code from}, with the limit handlers in front as the initializer puts them. */
    private EmbeddedChannel accept(Limits limits, InetAddress from) {
        EmbeddedChannel channel = new EmbeddedChannel(false, false) {
            @Override
            protected SocketAddress remoteAddress0() {
                return new InetSocketAddress(from, 40_000);
            }
        };
        ConnectionContext.attach(channel, violations);
        channel.pipeline().addLast(new ConnectRateHandler(limits), new ConnectionLimitHandler(limits),
                new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        activeBehind.incrementAndGet();
                    }

                });
        try {
            channel.register();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return channel;
    }

    private static InetAddress address(int... bytes) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) bytes[0], (byte) bytes[1], (byte) bytes[2], (byte) bytes[3]});
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
