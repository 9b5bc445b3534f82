package org.rmqtt.common.topic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TopicsTest {

    // §4.7.1.2 Multi-level wildcard

    @ParameterizedTest
    @ValueSource(strings = {
        "sport/tennis/player1", "sport/tennis/player1/ranking", "sport/tennis/player1/score/wimbledon"})
    void multiLevelWildcardMatchesParentAndDescendants(String topic) {
        assertThat(Topics.matches("sport/tennis/player1/#", topic)).isTrue();
    }

    @Test
    void multiLevelWildcardMatchesItsParentLevel() {
        assertThat(Topics.matches("sport/#", "sport")).isTrue();
        assertThat(Topics.matches("sport/#", "sport/")).isTrue();
        assertThat(Topics.matches("sport/#", "sports")).isFalse();
        assertThat(Topics.matches("sport/tennis/player1/#", "sport/tennis")).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"#", "sport/tennis/#", "sport/#", "/#", "+/tennis/#"})
    void validMultiLevelFilters(String filter) {
        assertThatCode(() -> Topics.validateFilter(filter)).doesNotThrowAnyException();
        assertThat(Topics.isWildcard(filter)).isTrue();
    }

    @Test
    void multiLevelWildcardMustBeAloneInItsLevel() {
        assertThatThrownBy(() -> Topics.validateFilter("sport/tennis#"))
                .isInstanceOf(InvalidTopicException.class)
                .hasMessageContaining("'#' must occupy a whole level")
                .hasMessageContaining("'sport/tennis#'");
        assertThatThrownBy(() -> Topics.validateFilter("sport/#tennis"))
                .hasMessageContaining("'#' must occupy a whole level");
    }

    @Test
    void multiLevelWildcardMustBeLast() {
        assertThatThrownBy(() -> Topics.validateFilter("sport/tennis/#/ranking"))
                .isInstanceOf(InvalidTopicException.class)
                .hasMessageContaining("'#' must be the last level")
                .hasMessageContaining("'sport/tennis/#/ranking'");
        assertThatThrownBy(() -> Topics.validateFilter("#/"))
                .hasMessageContaining("'#' must be the last level");
    }

    @Test
    void hashAloneMatchesEveryNonDollarTopic() {
        assertThat(Topics.matches("#", "sport")).isTrue();
        assertThat(Topics.matches("#", "sport/tennis/player1")).isTrue();
        assertThat(Topics.matches("#", "/")).isTrue();
        assertThat(Topics.matches("#", "/finance")).isTrue();
    }

    // §4.7.1.3 Single-level wildcard

    @Test
    void singleLevelWildcardMatchesExactlyOneLevel() {
        assertThat(Topics.matches("sport/tennis/+", "sport/tennis/player1")).isTrue();
        assertThat(Topics.matches("sport/tennis/+", "sport/tennis/player2")).isTrue();
        assertThat(Topics.matches("sport/tennis/+", "sport/tennis/player1/ranking")).isFalse();
    }

    @Test
    void singleLevelWildcardMatchesAnEmptyLevelButNotAMissingOne() {
        assertThat(Topics.matches("sport/+", "sport")).isFalse();
        assertThat(Topics.matches("sport/+", "sport/")).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"+", "+/tennis/#", "sport/+/player1", "+/+", "/+", "+/", "+//+"})
    void validSingleLevelFilters(String filter) {
        assertThatCode(() -> Topics.validateFilter(filter)).doesNotThrowAnyException();
        assertThat(Topics.isWildcard(filter)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"sport+", "sport/+tennis", "+sport", "sport/tennis+/x", "++"})
    void singleLevelWildcardMustBeAloneInItsLevel(String filter) {
        assertThatThrownBy(() -> Topics.validateFilter(filter))
                .isInstanceOf(InvalidTopicException.class)
                .hasMessageContaining("'+' must occupy a whole level")
                .hasMessageContaining("'" + filter + "'");
    }

    @Test
    void leadingSlashMakesAnEmptyFirstLevel() {
        assertThat(Topics.matches("+/+", "/finance")).isTrue();
        assertThat(Topics.matches("/+", "/finance")).isTrue();
        assertThat(Topics.matches("+", "/finance")).isFalse();
    }

    // §4.7.2 Topics beginning with $

    @Test
    void leadingWildcardDoesNotMatchDollarTopics() {
        assertThat(Topics.matches("#", "$SYS/monitor/Clients")).isFalse();
        assertThat(Topics.matches("+/monitor/Clients", "$SYS/monitor/Clients")).isFalse();
        assertThat(Topics.matches("#", "$SYS")).isFalse();
        assertThat(Topics.matches("+", "$SYS")).isFalse();
    }

    @Test
    void dollarFiltersMatchDollarTopics() {
        assertThat(Topics.matches("$SYS/#", "$SYS/monitor/Clients")).isTrue();
        assertThat(Topics.matches("$SYS/#", "$SYS")).isTrue();
        assertThat(Topics.matches("$SYS/monitor/+", "$SYS/monitor/Clients")).isTrue();
        assertThat(Topics.matches("$SYS/monitor/Clients", "$SYS/monitor/Clients")).isTrue();
    }

    @Test
    void dollarOnlyMattersAtTheStartOfTheTopic() {
        assertThat(Topics.matches("a/+", "a/$b")).isTrue();
        assertThat(Topics.matches("a/#", "a/$b/c")).isTrue();
    }

    // §4.7.3 Topic semantic and usage

    @Test
    void matchingIsCaseSensitive() {
        assertThat(Topics.matches("ACCOUNTS", "Accounts")).isFalse();
        assertThat(Topics.matches("Accounts", "Accounts")).isTrue();
    }

    @Test
    void spacesArePartOfTheLevel() {
        assertThatCode(() -> Topics.validateTopicName("Accounts payable")).doesNotThrowAnyException();
        assertThat(Topics.matches("Accounts payable", "Accounts payable")).isTrue();
        assertThat(Topics.matches("Accounts payable", "Accounts")).isFalse();
        assertThat(Topics.matches("+", " ")).isTrue();
    }

    @Test
    void leadingAndTrailingSlashesAreDistinct() {
        assertThat(Topics.matches("/finance", "finance")).isFalse();
        assertThat(Topics.matches("finance", "/finance")).isFalse();
        assertThat(Topics.matches("finance/", "finance")).isFalse();
        assertThat(Topics.matches("finance", "finance/")).isFalse();
        assertThat(Topics.matches("/finance", "/finance")).isTrue();
    }

    @Test
    void slashAloneIsAValidFilterAndName() {
        assertThatCode(() -> Topics.validateFilter("/")).doesNotThrowAnyException();
        assertThatCode(() -> Topics.validateTopicName("/")).doesNotThrowAnyException();
        assertThat(Topics.matches("/", "/")).isTrue();
        assertThat(Topics.matches("+/+", "/")).isTrue();
        assertThat(Topics.matches("+", "/")).isFalse();
    }

    @CsvSource({
        "a/b/c, a/b/c, true",
        "a/b/c, a/b, false",
        "a/b, a/b/c, false",
        "a/+/c, a/b/c, true",
        "a/+/c, a//c, true",
        "a/+/c, a/b/d, false",
        "+/+/+, a/b/c, true",
        "+/+, a/b/c, false",
        "a/#, a, true",
        "a/b/#, a, false",
        "#, a/b/c, true",
        "ab, a, false",
        "a, ab, false",
        "//, //, true",
        "+/+/+, //, true",
    })
    @ParameterizedTest
    void matchesTable(String filter, String topic, boolean expected) {
        assertThat(Topics.matches(filter, topic)).isEqualTo(expected);
    }

    @Test
    void matchesAgreesWithAReferenceImplementationOnGeneratedTopics() {
        String[] levels = {"", "a", "b", "$x", "ab"};
        String[] filterLevels = {"", "a", "b", "$x", "+", "#"};
        Random random = new Random(42);
        for (int n = 0; n < 20_000; n++) {
            String topic = randomPath(random, levels);
            String filter = randomPath(random, filterLevels);
            try {
                Topics.validateFilter(filter);
            } catch (InvalidTopicException e) {
                continue;
            }
            assertThat(Topics.matches(filter, topic))
                    .as("%s against %s", filter, topic)
                    .isEqualTo(referenceMatches(filter, topic));
        }
    }

    // Topic names

    @ParameterizedTest
    @ValueSource(strings = {"a", "sport/tennis/player1", "/", "//", "$SYS/broker", "é/日本/😀", "a b/c d"})
    void validTopicNames(String name) {
        assertThatCode(() -> Topics.validateTopicName(name)).doesNotThrowAnyException();
    }

    @ParameterizedTest
    @ValueSource(strings = {"+", "a/+", "a/+/b", "#", "a/#", "a+", "a#b"})
    void wildcardsAreNotAllowedInTopicNames(String name) {
        assertThatThrownBy(() -> Topics.validateTopicName(name))
                .isInstanceOf(InvalidTopicException.class)
                .hasMessageContaining("is not allowed in a topic name")
                .hasMessageContaining("'" + name + "'");
    }

    @Test
    void emptyAndNullAreRejected() {
        assertThatThrownBy(() -> Topics.validateTopicName("")).hasMessageContaining("topic name is empty");
        assertThatThrownBy(() -> Topics.validateFilter("")).hasMessageContaining("topic filter is empty");
        assertThatThrownBy(() -> Topics.validateTopicName(null))
                .isInstanceOf(InvalidTopicException.class)
                .hasMessageContaining("null");
        assertThatThrownBy(() -> Topics.validateFilter(null)).isInstanceOf(InvalidTopicException.class);
    }

    @Test
    void nullCharacterIsRejectedAndShownEscaped() {
        assertThatThrownBy(() -> Topics.validateTopicName("a\u0000b"))
                .isInstanceOf(InvalidTopicException.class)
                .hasMessageContaining("U+0000")
                .hasMessageContaining("'a\\u0000b'");
        assertThatThrownBy(() -> Topics.validateFilter("a/\u0000/#")).hasMessageContaining("U+0000");
    }

    @Test
    void unpairedSurrogatesAreRejected() {
        assertThatThrownBy(() -> Topics.validateTopicName("a\uD83D")).hasMessageContaining("unpaired surrogate");
        assertThatThrownBy(() -> Topics.validateTopicName("\uDE00a")).hasMessageContaining("unpaired surrogate");
        assertThatThrownBy(() -> Topics.validateFilter("a/\uD83Db/#")).hasMessageContaining("unpaired surrogate");
        assertThatCode(() -> Topics.validateTopicName("a\uD83D\uDE00")).doesNotThrowAnyException();
    }

    @Test
    void utf8LengthIsLimitedTo65535Bytes() {
        assertThatCode(() -> Topics.validateTopicName("a".repeat(65_535))).doesNotThrowAnyException();
        assertThatThrownBy(() -> Topics.validateTopicName("a".repeat(65_536)))
                .hasMessageContaining("longer than 65535 bytes");
        // 21,846 three-byte chars: short in UTF-16, 65,538 bytes in UTF-8.
        assertThatThrownBy(() -> Topics.validateTopicName("日".repeat(21_846)))
                .hasMessageContaining("65538 bytes in UTF-8");
        assertThatCode(() -> Topics.validateFilter("日".repeat(21_845))).doesNotThrowAnyException();
    }

    @Test
    void longTopicsAreShortenedInTheMessage() {
        InvalidTopicException e = new InvalidTopicException("bad", "x".repeat(1000));
        assertThat(e.getMessage()).hasSizeLessThan(300).contains("(1000 chars)");
        assertThat(e.topic()).hasSize(1000);
    }

    @Test
    void isWildcardLooksForWholeWildcardLevels() {
        assertThat(Topics.isWildcard("a/b/c")).isFalse();
        assertThat(Topics.isWildcard("$SYS/x")).isFalse();
        assertThat(Topics.isWildcard("a+/b")).isFalse();
        assertThat(Topics.isWildcard("a/b#")).isFalse();
        assertThat(Topics.isWildcard("a/+")).isTrue();
        assertThat(Topics.isWildcard("#")).isTrue();
    }

    static String randomPath(Random random, String[] levels) {
        int count = 1 + random.nextInt(4);
        StringBuilder path = new StringBuilder();
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                path.append('/');
            }
            path.append(levels[random.nextInt(levels.length)]);
        }
        return path.toString();
    }

    /** A plainly written version of §4.7 to check the index arithmetic of {@link Topics#matches}. */
    static boolean referenceMatches(String filter, String topic) {
        if (topic.startsWith("$") && (filter.startsWith("+") || filter.startsWith("#"))) {
            return false;
        }
        String[] f = filter.split("/", -1);
        String[] t = topic.split("/", -1);
        for (int i = 0; i < f.length; i++) {
            if (f[i].equals("#")) {
                return true;
            }
            if (i >= t.length || !(f[i].equals("+") || f[i].equals(t[i]))) {
                return false;
            }
        }
        return f.length == t.length;
    }
}
