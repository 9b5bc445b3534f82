package org.rmqtt.gateway.connection;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

/**
 * The one owner of a channel's {@code autoRead}. Several concerns stop reading a client for a
 * while: the CONNECT until its CONNACK, the publish flow while the store is behind, the publish
 * rate limit, a send buffer the client does not empty. Each sets or clears its own reason, and reading goes on only when no reason is left:
 * were each to flip {@code autoRead} itself, the store catching up would resume a client the rate
 * limit had just paused, and the other way round. Called on the channel's event loop only.
 */
public final class ReadSuspension {
    private static final AttributeKey<int[]> KEY = AttributeKey.valueOf("rmqtt.readSuspended");

    /** Why a connection is not read. */
    public enum Reason {
        /** A CONNECT waits for its CONNACK; packets behind it wait too. */
        CONNECTING,
        /** Too many of the client's messages wait for the store, or a store write is tried again. */
        STORING,
        /** The client publishes faster than limits.publishRatePerClient. */
        PUBLISH_RATE,
        /**
         * The send buffer is over its high water mark: what the client sends makes answers
         * (PUBACK, PINGRESP) that would pile up in it without bound.
         */
        SENDING
    }

    private ReadSuspension() {
    }

    public static void suspend(Channel channel, Reason reason) {
        update(channel, reasons(channel) | bit(reason));
    }

    public static void resume(Channel channel, Reason reason) {
        update(channel, reasons(channel) & ~bit(reason));
    }

    public static boolean suspended(Channel channel, Reason reason) {
        return (reasons(channel) & bit(reason)) != 0;
    }

    private static int bit(Reason reason) {
        return 1 << reason.ordinal();
    }

    private static int reasons(Channel channel) {
        int[] held = channel.attr(KEY).get();
        return held == null ? 0 : held[0];
    }

    private static void update(Channel channel, int reasons) {
        int[] held = channel.attr(KEY).get();
        if (held == null) {
            held = new int[1];
            channel.attr(KEY).set(held);
        }
        held[0] = reasons;
        boolean read = reasons == 0;
        if (channel.config().isAutoRead() != read) {
            channel.config().setAutoRead(read);
        }
    }
}
