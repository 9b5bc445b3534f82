package org.rmqtt.common.mapping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.hash.Hashing;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class LmqNamesTest {

    private static final Pattern ROCKET_TOPIC = Pattern.compile("^[%|a-zA-Z0-9_-]+$");

    @ParameterizedTest
    @CsvSource(delimiter = ' ', value = {
        "sensors/room1/temp %LMQ%sensors%room1%temp",
        "a/+/c %LMQ%a%|2B%c",
        "# %LMQ%|23",
        "/x %LMQ%%x",
        "x/ %LMQ%x%",
        "a/b/# %LMQ%a%b%|23",
        "a%b %LMQ%a|25b",
        "a|2Fb %LMQ%a|7C2Fb",
        "a.b_c-d %LMQ%a|2Eb_c-d",
        "$SYS/x %LMQ%|24SYS%x",
        "é %LMQ%|C3|A9",
        "日 %LMQ%|E6|97|A5",
        "😀 %LMQ%|F0|9F|98|80",
    })
    void examples(String topic, String expected) {
        assertThat(LmqNames.of(topic)).isEqualTo(expected);
    }

    @Test
    void spacesAreEscaped() {
        assertThat(LmqNames.of("a b")).isEqualTo("%LMQ%a|20b");
    }

    @Test
    void trickyPairsGetDistinctNames() {
        String[] inputs = {
            "a/b", "a%b", "a|2Fb", "a|2fb", "a/|2Fb", "a%/b", "a//b", "a/", "/a", "a", "A",
            "a/+", "a/|2B", "a+", "+", "#", "/#", "%", "|", "|25", "%25", "/", "//", "///",
            "a b", "a_b", "a-b", "a.b", "a,b", "é", "e\u0301", "😀", "|F0|9F|98|80",
            "%LMQ%a", "|h", "h", "a/b/c", "a/b%c", "a%b/c", "a%b%c", "-", "_",
            "x".repeat(400), "x".repeat(399) + "y", "x".repeat(195), "x".repeat(196),
        };
        Map<String, String> seen = new HashMap<>();
        for (String input : inputs) {
            String previous = seen.put(LmqNames.of(input), input);
            assertThat(previous).as("%s and %s share an LMQ name", previous, input).isNull();
        }
    }

    @Test
    void randomUnicodeInputsGiveLegalNamesThatDecodeBack() {
        Random random = new Random(2024);
        for (int n = 0; n < 5000; n++) {
            String input = randomTopic(random, 1 + random.nextInt(60));
            String name = LmqNames.of(input);
            assertThat(name).as("name of %s", input).matches(ROCKET_TOPIC).startsWith(LmqNames.PREFIX);
            assertThat(LmqNames.isLmq(name)).isTrue();
            if (name.startsWith(LmqNames.PREFIX + "|h")) {
                assertThat(name).hasSize(71);
            } else {
                assertThat(name.length()).isLessThanOrEqualTo(LmqNames.MAX_ENCODED_LENGTH);
                assertThat(decode(name)).as("round trip of %s", name).isEqualTo(input);
            }
        }
    }

    @Test
    void longNamesAreHashed() {
        String fits = "x".repeat(LmqNames.MAX_ENCODED_LENGTH - LmqNames.PREFIX.length());
        assertThat(LmqNames.of(fits)).isEqualTo(LmqNames.PREFIX + fits).hasSize(LmqNames.MAX_ENCODED_LENGTH);

        String tooLong = fits + "x";
        String expectedHash = Hashing.sha256().hashString(tooLong, StandardCharsets.UTF_8).toString();
        assertThat(LmqNames.of(tooLong)).isEqualTo("%LMQ%|h" + expectedHash).hasSize(71).matches(ROCKET_TOPIC);

        // Short in characters but long once escaped: 40 'é' are 240 characters.
        assertThat(LmqNames.of("é".repeat(40))).startsWith("%LMQ%|h");
    }

    @Test
    void unencodableInputsAreRejected() {
        assertThatThrownBy(() -> LmqNames.of("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LmqNames.of("a\uD83D")).hasMessageContaining("unpaired surrogate");
        assertThatThrownBy(() -> LmqNames.of("\uDE00")).hasMessageContaining("unpaired surrogate");
        assertThatThrownBy(() -> LmqNames.of(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void isLmqFollowsThePrefix() {
        assertThat(LmqNames.isLmq("%LMQ%a")).isTrue();
        assertThat(LmqNames.isLmq("sensors")).isFalse();
        assertThat(LmqNames.isLmq("%RETRY%g")).isFalse();
        assertThat(LmqNames.isLmq(null)).isFalse();
    }

    private static String randomTopic(Random random, int codePoints) {
        int[] pool = {'/', '/', '+', '#', '%', '|', ',', '.', ' ', '$', 'a', 'Z', '0', '_', '-', 'h', 0};
        StringBuilder topic = new StringBuilder();
        for (int i = 0; i < codePoints; i++) {
            int codePoint = switch (random.nextInt(4)) {
                case 0 -> pool[random.nextInt(pool.length)];
                case 1 -> 0x20 + random.nextInt(0x5F);
                case 2 -> 0x80 + random.nextInt(0xD800 - 0x80);
                default -> 0xE000 + random.nextInt(0x10FFFF - 0xE000);
            };
            topic.appendCodePoint(codePoint == 0 ? 'q' : codePoint);
        }
        return topic.toString();
    }

    /** The inverse of the escaped form, to show that no information is lost. */
    private static String decode(String name) {
        List<String> levels = new ArrayList<>();
        for (String level : name.substring(LmqNames.PREFIX.length()).split("%", -1)) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            for (int i = 0; i < level.length(); i++) {
                char c = level.charAt(i);
                if (c == '|') {
                    bytes.write(Integer.parseInt(level.substring(i + 1, i + 3), 16));
                    i += 2;
                } else {
                    bytes.write(c);
                }
            }
            levels.add(bytes.toString(StandardCharsets.UTF_8));
        }
        return String.join("/", levels);
    }
}
