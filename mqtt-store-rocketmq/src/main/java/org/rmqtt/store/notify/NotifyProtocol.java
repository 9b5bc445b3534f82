package org.rmqtt.store.notify;

import java.nio.charset.StandardCharsets;

/** Request codes and bodies of the gateway-to-gateway RPC (on RocketMQ remoting). */
final class NotifyProtocol {
    /** Body: a {@link org.rmqtt.common.notify.TopicEventCodec} batch. */
    static final int TOPIC_EVENTS = 3100;
    /** Body: epoch (decimal) + ' ' + clientId, UTF-8. */
    static final int SESSION_TAKEOVER = 3101;

    private NotifyProtocol() {
    }

    static byte[] takeover(String clientId, long epoch) {
        return (epoch + " " + clientId).getBytes(StandardCharsets.UTF_8);
    }

    static String takeoverClientId(byte[] body) {
        String s = new String(body, StandardCharsets.UTF_8);
        return s.substring(s.indexOf(' ') + 1);
    }

    static long takeoverEpoch(byte[] body) {
        String s = new String(body, StandardCharsets.UTF_8);
        int space = s.indexOf(' ');
        if (space < 1) {
            throw new IllegalArgumentException("malformed takeover request");
        }
        return Long.parseLong(s.substring(0, space));
    }
}
