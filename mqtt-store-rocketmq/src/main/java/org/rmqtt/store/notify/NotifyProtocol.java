package org.rmqtt.store.notify;

import java.nio.charset.StandardCharsets;

/** Request codes and bodies of the gateway-to-gateway RPC (on RocketMQ remoting). */
final class NotifyProtocol {
    /** Body: a {@link org.rmqtt.common.notify.TopicEventCodec} batch. */
    static final int TOPIC_EVENTS = 3100;
    /** Body: epoch (decimal) + ' ' + clientId, UTF-8. */
    static final int SESSION_TAKEOVER = 3101;
    /** Body: a meta log index (decimal), UTF-8; answered once the receiver's view reflects it. */
    static final int VIEW_SYNC = 3102;
    /** Body: an admin API request of the gateway's own (JSON); answered with its JSON reply. */
    static final int ADMIN = 3103;

    private NotifyProtocol() {
    }

    static byte[] takeover(String clientId, long epoch) {
        return (epoch + " " + clientId).getBytes(StandardCharsets.UTF_8);
    }

    static byte[] viewSync(long index) {
        return Long.toString(index).getBytes(StandardCharsets.UTF_8);
    }

    static long viewSyncIndex(byte[] body) {
        if (body == null || body.length == 0 || body.length > 20) {
            throw new IllegalArgumentException("malformed view sync request");
        }
        return Long.parseLong(new String(body, StandardCharsets.UTF_8));
    }

    static String takeoverClientId(byte[] body) {
        if (body == null) {
            throw new IllegalArgumentException("malformed takeover request");
        }
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
