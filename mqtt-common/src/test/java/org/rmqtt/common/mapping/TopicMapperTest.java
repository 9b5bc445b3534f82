package org.rmqtt.common.mapping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.rmqtt.common.mapping.TopicMapper.Rule;

class TopicMapperTest {

    @Test
    void firstMatchingRuleInDeclarationOrderWins() {
        TopicMapper specificFirst = TopicMapper.parse("sensors/room1/#=room1,sensors/#=sensors", "mqtt");
        assertThat(specificFirst.rocketTopic("sensors/room1/temp")).isEqualTo("room1");
        assertThat(specificFirst.rocketTopic("sensors/room2/temp")).isEqualTo("sensors");

        TopicMapper generalFirst = TopicMapper.parse("sensors/#=sensors,sensors/room1/#=room1", "mqtt");
        assertThat(generalFirst.rocketTopic("sensors/room1/temp")).isEqualTo("sensors");
    }

    @Test
    void unmatchedTopicsGoToTheDefault() {
        TopicMapper mapper = TopicMapper.parse("sensors/+/temp=temps", "mqtt");
        assertThat(mapper.rocketTopic("sensors/a/temp")).isEqualTo("temps");
        assertThat(mapper.rocketTopic("sensors/a/humidity")).isEqualTo("mqtt");
        assertThat(mapper.rocketTopic("other")).isEqualTo("mqtt");
    }

    @Test
    void leadingWildcardRulesDoNotCatchDollarTopics() {
        TopicMapper mapper = TopicMapper.parse("#=everything,$SYS/#=sys", "mqtt");
        assertThat(mapper.rocketTopic("a/b")).isEqualTo("everything");
        assertThat(mapper.rocketTopic("$SYS/clients")).isEqualTo("sys");
        assertThat(TopicMapper.parse("#=everything", "mqtt").rocketTopic("$SYS/clients")).isEqualTo("mqtt");
    }

    @Test
    void rocketTopicsAreDistinctTargetsInOrderThenTheDefault() {
        TopicMapper mapper = TopicMapper.parse("a/#=t2,b/#=t1,c/#=t2,d=mqtt", "mqtt");
        assertThat(mapper.rocketTopics()).containsExactly("t2", "t1", "mqtt");
        assertThat(TopicMapper.parse("", "mqtt").rocketTopics()).containsExactly("mqtt");
    }

    @Test
    void whitespaceAroundItemsAndEqualsIsIgnored() {
        TopicMapper mapper = TopicMapper.parse("  sensors/# = sensors ,\n alarms/+\t=alarms  ", "mqtt");
        assertThat(mapper.rules()).containsExactly(new Rule("sensors/#", "sensors"), new Rule("alarms/+", "alarms"));
        assertThat(mapper.defaultTopic()).isEqualTo("mqtt");
    }

    @Test
    void filtersMayContainEquals() {
        TopicMapper mapper = TopicMapper.parse("k=v/#=kv", "mqtt");
        assertThat(mapper.rules()).containsExactly(new Rule("k=v/#", "kv"));
        assertThat(mapper.rocketTopic("k=v/x")).isEqualTo("kv");
    }

    @Test
    void emptySpecMeansNoRules() {
        assertThat(TopicMapper.parse("", "mqtt").rules()).isEmpty();
        assertThat(TopicMapper.parse("   ", "mqtt").rules()).isEmpty();
        assertThat(TopicMapper.parse(null, "mqtt").rules()).isEmpty();
        assertThat(TopicMapper.parse(null, "mqtt").rocketTopic("anything")).isEqualTo("mqtt");
    }

    @ParameterizedTest
    @ValueSource(strings = {"sensors/#", "=sensors", "sensors/#=", " = ", "a=b,,c=d", "a=b,", ",a=b"})
    void malformedItemsAreRejectedAndQuoted(String spec) {
        assertThatThrownBy(() -> TopicMapper.parse(spec, "mqtt"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("malformed topic mapping item '");
    }

    @Test
    void malformedItemIsQuotedInTheMessage() {
        assertThatThrownBy(() -> TopicMapper.parse("a/#=t, oops ,b=u", "mqtt"))
                .hasMessageContaining("'oops'");
    }

    @Test
    void invalidFiltersNameTheRule() {
        assertThatThrownBy(() -> TopicMapper.parse("a/#=ok,sport/tennis#=t", "mqtt"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rule 2 'sport/tennis#=t'")
                .hasMessageContaining("'#' must occupy a whole level");
        assertThatThrownBy(() -> new TopicMapper(List.of(new Rule("a/#/b", "t")), "mqtt"))
                .hasMessageContaining("rule 1 'a/#/b=t'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"bad.topic", "bad/topic", "bad topic", "tópico", "%LMQ%x", "%RETRY%g", "%DLQ%g",
        "rmq_sys_x", "SCHEDULE_TOPIC_XXXX", "TBW102"})
    void unusableRocketTopicsNameTheRule(String target) {
        assertThatThrownBy(() -> new TopicMapper(List.of(new Rule("a/#", target)), "mqtt"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rule 1 'a/#=" + target + "'");
    }

    @Test
    void rocketTopicsAreLimitedTo127Characters() {
        String longest = "t".repeat(127);
        assertThat(new TopicMapper(List.of(new Rule("a", longest)), "mqtt").rocketTopic("a")).isEqualTo(longest);
        assertThatThrownBy(() -> new TopicMapper(List.of(new Rule("a", longest + "t")), "mqtt"))
                .hasMessageContaining("longer than 127");
    }

    @Test
    void percentAndPipeAreLegalInRocketTopics() {
        TopicMapper mapper = TopicMapper.parse("a=x%y|z", "mqtt");
        assertThat(mapper.rocketTopic("a")).isEqualTo("x%y|z");
    }

    @Test
    void invalidDefaultTopicIsRejected() {
        assertThatThrownBy(() -> TopicMapper.parse("", "not valid"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("default RocketMQ topic")
                .hasMessageContaining("'not valid'");
        assertThatThrownBy(() -> TopicMapper.parse("", "")).hasMessageContaining("default RocketMQ topic");
    }

    @Test
    void rulesAreCopied() {
        List<Rule> rules = new java.util.ArrayList<>(List.of(new Rule("a", "t")));
        TopicMapper mapper = new TopicMapper(rules, "mqtt");
        rules.clear();
        assertThat(mapper.rules()).containsExactly(new Rule("a", "t"));
    }
}
