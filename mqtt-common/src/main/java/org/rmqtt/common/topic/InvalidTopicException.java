package org.rmqtt.common.topic;

/**
 * A topic name or topic filter that breaks the rules of MQTT 3.1.1 §4.7. The message says what is
 * wrong and quotes the offending topic, made printable and shortened so that it is safe to log.
 */
public class InvalidTopicException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** Longer topics are cut in the message: a 64 KiB topic must not flood the log. */
    private static final int MAX_QUOTED_CHARS = 200;

    private final String topic;

    /**
     * @param reason what is wrong, e.g. "'#' must be the last level of a topic filter"
     * @param topic  the offending topic name or filter, may be {@code null}
     */
    public InvalidTopicException(String reason, String topic) {
        super(topic == null ? reason : reason + ": " + quote(topic));
        this.topic = topic;
    }

    /** The offending topic name or filter as received, or {@code null}. */
    public String topic() {
        return topic;
    }

    private static String quote(String topic) {
        StringBuilder out = new StringBuilder(Math.min(topic.length(), MAX_QUOTED_CHARS) + 16).append('\'');
        int end = Math.min(topic.length(), MAX_QUOTED_CHARS);
        for (int i = 0; i < end; i++) {
            char c = topic.charAt(i);
            // Control characters and lone surrogates are the usual culprits; show them, don't emit them.
            if (Character.isISOControl(c) || Character.isSurrogate(c)) {
                out.append(String.format("\\u%04X", (int) c));
            } else {
                out.append(c);
            }
        }
        out.append('\'');
        if (end < topic.length()) {
            out.append("... (").append(topic.length()).append(" chars)");
        }
        return out.toString();
    }
}
