package org.rmqtt.common.mapping;

import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Names of the RocketMQ Light Message Queues (LMQ) that index MQTT topic names and topic filters.
 *
 * <p>The encoding is injective, so two topics never share a queue, and every name matches
 * RocketMQ's topic character set {@code [%|a-zA-Z0-9_-]}, which also keeps it a plain file name in
 * the broker's consume queue directory and free of {@code ,} (the separator of
 * {@code INNER_MULTI_DISPATCH}) and {@code /} (which leaves offset gaps). Layout:
 * {@link #PREFIX}, then the levels joined by {@code %}; inside a level {@code [A-Za-z0-9_-]} stays as
 * is and every other UTF-8 byte becomes {@code |} plus two uppercase hex digits. Decoding is
 * unambiguous because {@code %} and {@code |} themselves are escaped.
 *
 * <p>Names longer than {@link #MAX_ENCODED_LENGTH} become {@code PREFIX + "|h" +} the lowercase hex
 * SHA-256 of the UTF-8 input. {@code |h} never occurs in the escaped form ({@code h} is not an
 * uppercase hex digit), so the two forms cannot collide.
 */
public final class LmqNames {

    /** RocketMQ's prefix of LMQ names ({@code MixAll.LMQ_PREFIX}). */
    public static final String PREFIX = "%LMQ%";

    /** Longest escaped name, prefix included, before it is replaced by its hash. */
    public static final int MAX_ENCODED_LENGTH = 200;

    private static final String HASHED_MARKER = "|h";
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private LmqNames() {
    }

    /**
     * The LMQ name of a topic name or topic filter, which is assumed valid.
     *
     * @throws IllegalArgumentException if the input is empty or not well-formed UTF-16 (an unpaired
     *     surrogate has no UTF-8 form, so it could not be encoded injectively)
     */
    public static String of(String topicOrFilter) {
        Objects.requireNonNull(topicOrFilter, "topicOrFilter");
        int length = topicOrFilter.length();
        if (length == 0) {
            throw new IllegalArgumentException("an empty topic has no LMQ name");
        }
        StringBuilder name = new StringBuilder(PREFIX.length() + length + 16).append(PREFIX);
        for (int i = 0; i < length; i++) {
            char c = topicOrFilter.charAt(i);
            if (c == '/') {
                name.append('%');
            } else if (isKept(c)) {
                name.append(c);
            } else if (c < 0x80) {
                escape(name, c);
            } else if (c < 0x800) {
                escape(name, 0xC0 | (c >> 6));
                escape(name, 0x80 | (c & 0x3F));
            } else if (Character.isSurrogate(c)) {
                if (!Character.isHighSurrogate(c) || i + 1 >= length
                        || !Character.isLowSurrogate(topicOrFilter.charAt(i + 1))) {
                    throw new IllegalArgumentException(
                            "unpaired surrogate at index " + i + " has no UTF-8 form, no LMQ name");
                }
                int codePoint = Character.toCodePoint(c, topicOrFilter.charAt(++i));
                escape(name, 0xF0 | (codePoint >> 18));
                escape(name, 0x80 | ((codePoint >> 12) & 0x3F));
                escape(name, 0x80 | ((codePoint >> 6) & 0x3F));
                escape(name, 0x80 | (codePoint & 0x3F));
            } else {
                escape(name, 0xE0 | (c >> 12));
                escape(name, 0x80 | ((c >> 6) & 0x3F));
                escape(name, 0x80 | (c & 0x3F));
            }
        }
        if (name.length() <= MAX_ENCODED_LENGTH) {
            return name.toString();
        }
        return PREFIX + HASHED_MARKER + Hashing.sha256().hashString(topicOrFilter, StandardCharsets.UTF_8);
    }

    /** True if {@code name} is an LMQ name, i.e. starts with {@link #PREFIX} (as RocketMQ decides). */
    public static boolean isLmq(String name) {
        return name != null && name.startsWith(PREFIX);
    }

    private static boolean isKept(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    }

    private static void escape(StringBuilder out, int utf8Byte) {
        out.append('|').append(HEX[(utf8Byte >> 4) & 0xF]).append(HEX[utf8Byte & 0xF]);
    }
}
