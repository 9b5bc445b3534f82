package org.rmqtt.gateway.limits;

import io.netty.channel.Channel;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/** The IP address a connection comes from; null for a channel without one (in-process tests). */
final class SourceAddress {
    private SourceAddress() {
    }

    static InetAddress of(Channel channel) {
        return channel.remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
    }
}
