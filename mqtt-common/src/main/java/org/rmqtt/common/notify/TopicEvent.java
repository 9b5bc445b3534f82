package org.rmqtt.common.notify;

import java.util.List;
import java.util.Objects;

/**
 * "A message on {@code topic} was stored on {@code brokerName}; it sits in these LMQs at these
 * offsets." Events are hints that wake up delivery; offsets in RocketMQ stay the truth, so a
 * lost event only delays delivery until the next event or poll.
 *
 * @param brokerName the RocketMQ broker whose LMQs hold the message
 * @param topic      the MQTT topic name
 * @param lmqs       LMQ names the message was dispatched to
 * @param offsets    the message's offset in each LMQ, same order as {@code lmqs}
 * @param inline     the message itself when it is small (a reader exactly at its offset needs no
 *                   pull), or null: then it is read from the LMQ as always
 */
public record TopicEvent(String brokerName, String topic, List<String> lmqs, List<Long> offsets, InlineMessage inline) {
    public TopicEvent {
        Objects.requireNonNull(brokerName, "brokerName");
        Objects.requireNonNull(topic, "topic");
        lmqs = List.copyOf(lmqs);
        offsets = List.copyOf(offsets);
        if (lmqs.size() != offsets.size()) {
            throw new IllegalArgumentException("lmqs and offsets differ in length: " + lmqs + " / " + offsets);
        }
    }

    /** An event without the message: readers pull it. */
    public TopicEvent(String brokerName, String topic, List<String> lmqs, List<Long> offsets) {
        this(brokerName, topic, lmqs, offsets, null);
    }

    /**
     * What a session delivers of a message, carried by its event: the same values a pull of the
     * LMQ decodes (topic and offsets are the event's).
     *
     * @param payload the MQTT payload (empty for an empty message), not a copy: never change it
     */
    public record InlineMessage(int qos, boolean retain, byte[] payload) {
        public InlineMessage {
            Objects.requireNonNull(payload, "payload");
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof InlineMessage m && m.qos == qos && m.retain == retain && java.util.Arrays.equals(m.payload, payload);
        }

        @Override
        public int hashCode() {
            return 31 * (31 * qos + Boolean.hashCode(retain)) + java.util.Arrays.hashCode(payload);
        }

        @Override
        public String toString() {
            return "InlineMessage[qos=" + qos + ", retain=" + retain + ", " + payload.length + " bytes]";
        }
    }

    /** The offset of {@code lmq} in this event, or -1 if the message was not dispatched to it. */
    public long offsetOf(String lmq) {
        int i = lmqs.indexOf(lmq);
        return i < 0 ? -1 : offsets.get(i);
    }

    /** This event without its message, for a receiver that cannot take it or a full batch. */
    public TopicEvent withoutInline() {
        return inline == null ? this : new TopicEvent(brokerName, topic, lmqs, offsets, null);
    }

    /** Payload bytes this event carries. */
    public int inlineBytes() {
        return inline == null ? 0 : inline.payload().length;
    }
}
