package org.rmqtt.meta;

import java.nio.charset.StandardCharsets;
import org.rmqtt.common.topic.Topics;

/**
 * Argument checks shared by every {@link MetaClient} implementation, so that the in-memory and the
 * replicated one reject the same input, and nothing invalid reaches the replicated log.
 */
public final class MetaValidation {

    /** Largest payload of a retained or will message: it travels through the Raft log. */
    public static final int MAX_PAYLOAD_BYTES = 1 << 20;

    private MetaValidation() {
    }

    /**
     * Checks a node id or client id: non-empty, no U+0000 (the key separator in the store, and
     * forbidden in MQTT strings anyway), at most 65535 bytes in UTF-8.
     */
    public static String id(String what, String value) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException(what + " is empty");
        }
        if (value.indexOf('\u0000') >= 0) {
            throw new IllegalArgumentException(what + " contains U+0000");
        }
        if (value.length() > Topics.MAX_UTF8_LENGTH
                || value.getBytes(StandardCharsets.UTF_8).length > Topics.MAX_UTF8_LENGTH) {
            throw new IllegalArgumentException(what + " is longer than " + Topics.MAX_UTF8_LENGTH + " bytes");
        }
        return value;
    }

    public static int qos(int qos) {
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("QoS must be 0, 1 or 2, not " + qos);
        }
        return qos;
    }

    public static byte[] payload(byte[] payload) {
        if (payload == null) {
            throw new IllegalArgumentException("payload is null");
        }
        if (payload.length > MAX_PAYLOAD_BYTES) {
            throw new IllegalArgumentException(
                    "payload of " + payload.length + " bytes exceeds the meta limit of " + MAX_PAYLOAD_BYTES);
        }
        return payload;
    }

    /** Saved session state travels through the Raft log like a payload: same limit. */
    public static byte[] state(byte[] state) {
        if (state == null) {
            throw new IllegalArgumentException("session state is null");
        }
        if (state.length > MAX_PAYLOAD_BYTES) {
            throw new IllegalArgumentException(
                    "session state of " + state.length + " bytes exceeds the meta limit of " + MAX_PAYLOAD_BYTES);
        }
        return state;
    }

    public static long expiry(long expiryMillis) {
        if (expiryMillis < 0) {
            throw new IllegalArgumentException("session expiry must not be negative, not " + expiryMillis);
        }
        return expiryMillis;
    }

    public static long epoch(long epoch) {
        if (epoch <= 0) {
            throw new IllegalArgumentException("epoch must be positive, not " + epoch);
        }
        return epoch;
    }
}
