package org.rmqtt.gateway.limits;

/**
 * limits.maxTopicLength (UTF-8 bytes) and limits.maxTopicLevels for the topic names and filters
 * clients send. Long topics cost memory in the subscription trie, in meta and in every LMQ name.
 */
public record TopicLimits(int maxLength, int maxLevels) {
    /** The protocol's own bounds: nothing more is refused. */
    public static final TopicLimits NONE = new TopicLimits(65_535, 65_535);

    /** Why {@code topic} is over a limit, or null; {@code what} names it in the reason. */
    public String problem(String what, String topic) {
        if (topic == null) {
            return null;
        }
        // Every char is at least one UTF-8 byte: most topics are decided without counting bytes.
        if (topic.length() > maxLength || utf8Length(topic) > maxLength) {
            return what + " is " + utf8Length(topic) + " bytes, over limits.maxTopicLength=" + maxLength;
        }
        int levels = 1;
        for (int i = 0; i < topic.length(); i++) {
            if (topic.charAt(i) == '/' && ++levels > maxLevels) {
                return what + " has more than limits.maxTopicLevels=" + maxLevels + " levels";
            }
        }
        return null;
    }

    private static int utf8Length(String s) {
        int bytes = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }
}
