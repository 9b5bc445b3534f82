package org.rmqtt.common.topic;

/**
 * Validation and matching of MQTT 3.1.1 topic names (what PUBLISH carries) and topic filters (what
 * SUBSCRIBE carries), after §1.5.3 and §4.7 of the OASIS standard.
 *
 * <p>Matching walks both strings level by level with index arithmetic: no regular expressions and
 * no allocation, because it runs for every message against every filter a caller checks.
 */
public final class Topics {

    /** Maximum length of a UTF-8 encoded string in MQTT (§1.5.3): a two-byte length prefix. */
    public static final int MAX_UTF8_LENGTH = 65_535;

    private Topics() {
    }

    /**
     * Checks a topic name as used in PUBLISH and in a will: non-empty, no wildcard characters, no
     * U+0000, well-formed UTF-16 and at most 65535 bytes in UTF-8.
     *
     * @throws InvalidTopicException if {@code name} is not a valid topic name
     */
    public static void validateTopicName(String name) {
        validate(name, false);
    }

    /**
     * Checks a topic filter as used in SUBSCRIBE and UNSUBSCRIBE: the rules of topic names, except
     * that {@code +} may fill a whole level and {@code #} may fill the whole last level.
     *
     * @throws InvalidTopicException if {@code filter} is not a valid topic filter
     */
    public static void validateFilter(String filter) {
        validate(filter, true);
    }

    /** True if {@code filter} has a level that is exactly {@code +} or {@code #}. */
    public static boolean isWildcard(String filter) {
        int length = filter.length();
        for (int i = 0; i < length; i++) {
            char c = filter.charAt(i);
            if ((c == '+' || c == '#')
                    && (i == 0 || filter.charAt(i - 1) == '/')
                    && (i + 1 == length || filter.charAt(i + 1) == '/')) {
                return true;
            }
        }
        return false;
    }

    /**
     * True if the topic filter matches the topic name (§4.7): {@code +} matches exactly one level,
     * which may be empty; {@code #} matches its parent level and any number of child levels; a
     * filter that starts with a wildcard does not match a topic name that starts with {@code $}.
     * Comparison is case sensitive and an empty level is a level.
     *
     * <p>Both arguments are assumed valid; an invalid filter gives an unspecified answer.
     */
    public static boolean matches(String filter, String topicName) {
        int filterLength = filter.length();
        int topicLength = topicName.length();
        if (topicLength > 0 && topicName.charAt(0) == '$'
                && filterLength > 0 && (filter.charAt(0) == '+' || filter.charAt(0) == '#')) {
            return false;
        }
        // f and t are the starts of the current levels; a start past the end means "no more levels",
        // which differs from an empty last level ("a/" has two levels).
        int f = 0;
        int t = 0;
        while (true) {
            if (f > filterLength) {
                return t > topicLength;
            }
            int filterEnd = levelEnd(filter, f);
            boolean singleChar = filterEnd - f == 1;
            if (singleChar && filter.charAt(f) == '#') {
                // Also true when the topic has no more levels: "sport/#" matches "sport".
                return true;
            }
            if (t > topicLength) {
                return false;
            }
            int topicEnd = levelEnd(topicName, t);
            if (!(singleChar && filter.charAt(f) == '+')) {
                int levelLength = filterEnd - f;
                if (levelLength != topicEnd - t || !filter.regionMatches(f, topicName, t, levelLength)) {
                    return false;
                }
            }
            f = filterEnd + 1;
            t = topicEnd + 1;
        }
    }

    private static int levelEnd(String s, int from) {
        int slash = s.indexOf('/', from);
        return slash < 0 ? s.length() : slash;
    }

    private static void validate(String topic, boolean filter) {
        String what = filter ? "topic filter" : "topic name";
        if (topic == null) {
            throw new InvalidTopicException(what + " is null", null);
        }
        int length = topic.length();
        if (length == 0) {
            throw new InvalidTopicException(what + " is empty", topic);
        }
        // Every char takes at least one UTF-8 byte, so this bound holds before counting.
        if (length > MAX_UTF8_LENGTH) {
            throw new InvalidTopicException(what + " is longer than " + MAX_UTF8_LENGTH + " bytes in UTF-8", topic);
        }
        int utf8Length = 0;
        int levelStart = 0;
        for (int i = 0; i < length; i++) {
            char c = topic.charAt(i);
            if (c < 0x80) {
                utf8Length++;
                switch (c) {
                    case '\u0000' -> throw new InvalidTopicException(
                            "U+0000 at index " + i + " is not allowed in a " + what, topic);
                    case '/' -> levelStart = i + 1;
                    case '+' -> checkSingleLevelWildcard(topic, filter, i, levelStart);
                    case '#' -> checkMultiLevelWildcard(topic, filter, i, levelStart);
                    default -> {
                    }
                }
            } else if (c < 0x800) {
                utf8Length += 2;
            } else if (Character.isHighSurrogate(c)) {
                if (i + 1 >= length || !Character.isLowSurrogate(topic.charAt(i + 1))) {
                    throw new InvalidTopicException("unpaired surrogate at index " + i + " in a " + what, topic);
                }
                utf8Length += 4;
                i++;
            } else if (Character.isLowSurrogate(c)) {
                throw new InvalidTopicException("unpaired surrogate at index " + i + " in a " + what, topic);
            } else {
                utf8Length += 3;
            }
        }
        if (utf8Length > MAX_UTF8_LENGTH) {
            throw new InvalidTopicException(
                    what + " is " + utf8Length + " bytes in UTF-8, more than " + MAX_UTF8_LENGTH, topic);
        }
    }

    private static void checkSingleLevelWildcard(String topic, boolean filter, int i, int levelStart) {
        if (!filter) {
            throw new InvalidTopicException("wildcard '+' is not allowed in a topic name", topic);
        }
        if (i != levelStart || (i + 1 < topic.length() && topic.charAt(i + 1) != '/')) {
            throw new InvalidTopicException("'+' must occupy a whole level of a topic filter", topic);
        }
    }

    private static void checkMultiLevelWildcard(String topic, boolean filter, int i, int levelStart) {
        if (!filter) {
            throw new InvalidTopicException("wildcard '#' is not allowed in a topic name", topic);
        }
        if (i != levelStart || (i + 1 < topic.length() && topic.charAt(i + 1) != '/')) {
            throw new InvalidTopicException("'#' must occupy a whole level of a topic filter", topic);
        }
        if (i + 1 != topic.length()) {
            throw new InvalidTopicException("'#' must be the last level of a topic filter", topic);
        }
    }
}
