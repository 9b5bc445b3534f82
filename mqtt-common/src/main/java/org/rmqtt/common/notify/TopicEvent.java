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
 */
public record TopicEvent(String brokerName, String topic, List<String> lmqs, List<Long> offsets) {
    public TopicEvent {
        Objects.requireNonNull(brokerName, "brokerName");
        Objects.requireNonNull(topic, "topic");
        lmqs = List.copyOf(lmqs);
        offsets = List.copyOf(offsets);
        if (lmqs.size() != offsets.size()) {
            throw new IllegalArgumentException("lmqs and offsets differ in length: " + lmqs + " / " + offsets);
        }
    }

    /** The offset of {@code lmq} in this event, or -1 if the message was not dispatched to it. */
    public long offsetOf(String lmq) {
        int i = lmqs.indexOf(lmq);
        return i < 0 ? -1 : offsets.get(i);
    }
}
