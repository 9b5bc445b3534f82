package org.rmqtt.common.mapping;

import com.google.common.base.Splitter;
import com.google.common.collect.ImmutableSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.rmqtt.common.topic.InvalidTopicException;
import org.rmqtt.common.topic.Topics;

/**
 * Maps an MQTT topic name to the first-level RocketMQ topic its messages are stored in: the first
 * rule, in declaration order, whose filter matches, else a catch-all default topic. The default is
 * what lets any MQTT topic work without configuration, since a first MQTT level is often not a
 * legal RocketMQ topic name.
 */
public final class TopicMapper {

    /** One mapping rule: MQTT topic filter → RocketMQ topic. */
    public record Rule(String filter, String rocketTopic) {

        public Rule {
            Objects.requireNonNull(filter, "filter");
            Objects.requireNonNull(rocketTopic, "rocketTopic");
        }

        /** The rule as written in a spec: {@code filter=topic}. */
        @Override
        public String toString() {
            return filter + "=" + rocketTopic;
        }
    }

    /** RocketMQ's legal topic characters ({@code TopicValidator}). */
    private static final Pattern ROCKET_TOPIC = Pattern.compile("^[%|a-zA-Z0-9_-]+$");
    private static final int ROCKET_TOPIC_MAX_LENGTH = 127;
    /**
     * Names RocketMQ reserves: LMQs, retry and dead-letter queues, and system topics, on which the
     * broker skips LMQ dispatch ({@code MixAll.topicAllowsLMQ}) or refuses plain sends.
     */
    private static final List<String> RESERVED_PREFIXES = List.of(LmqNames.PREFIX, "%RETRY%", "%DLQ%", "rmq_sys_");
    private static final Set<String> RESERVED_TOPICS = Set.of(
            "TBW102", "SCHEDULE_TOPIC_XXXX", "BenchmarkTest", "RMQ_SYS_TRANS_HALF_TOPIC", "RMQ_SYS_TRACE_TOPIC",
            "RMQ_SYS_TRANS_OP_HALF_TOPIC", "TRANS_CHECK_MAX_TIME_TOPIC", "SELF_TEST_TOPIC", "OFFSET_MOVED_EVENT",
            "CHECKPOINT_TOPIC");

    private final List<Rule> rules;
    private final String defaultTopic;
    private final Set<String> rocketTopics;

    /**
     * @throws IllegalArgumentException naming the rule, if a filter is not a valid MQTT topic filter
     *     or a target (or the default) is not a usable RocketMQ topic name
     */
    public TopicMapper(List<Rule> rules, String defaultTopic) {
        Objects.requireNonNull(rules, "rules");
        Objects.requireNonNull(defaultTopic, "defaultTopic");
        for (int i = 0; i < rules.size(); i++) {
            Rule rule = Objects.requireNonNull(rules.get(i), "rule");
            try {
                Topics.validateFilter(rule.filter());
            } catch (InvalidTopicException e) {
                throw new IllegalArgumentException(
                        "topic mapping rule " + (i + 1) + " '" + rule + "': " + e.getMessage(), e);
            }
            String problem = rocketTopicProblem(rule.rocketTopic());
            if (problem != null) {
                throw new IllegalArgumentException("topic mapping rule " + (i + 1) + " '" + rule + "': " + problem);
            }
        }
        String problem = rocketTopicProblem(defaultTopic);
        if (problem != null) {
            throw new IllegalArgumentException("default RocketMQ topic: " + problem);
        }
        this.rules = List.copyOf(rules);
        this.defaultTopic = defaultTopic;
        ImmutableSet.Builder<String> targets = ImmutableSet.builder();
        this.rules.forEach(rule -> targets.add(rule.rocketTopic()));
        this.rocketTopics = targets.add(defaultTopic).build();
    }

    /**
     * Parses a spec of comma-separated {@code filter=topic} items, e.g.
     * {@code "sensors/#=sensors, $SYS/#=sys"}. Whitespace around items and around {@code =} is
     * ignored; a blank or null spec means no rules. The item is split at its last {@code =}, so
     * filters may contain {@code =}, but a filter containing {@code ,} or with leading or trailing
     * whitespace needs the {@link #TopicMapper(List, String) constructor}.
     *
     * @throws IllegalArgumentException quoting the item, if an item is malformed or invalid
     */
    public static TopicMapper parse(String spec, String defaultTopic) {
        List<Rule> rules = new ArrayList<>();
        if (spec != null && !spec.isBlank()) {
            for (String rawItem : Splitter.on(',').split(spec)) {
                String item = rawItem.trim();
                int eq = item.lastIndexOf('=');
                if (eq <= 0 || eq == item.length() - 1) {
                    throw new IllegalArgumentException(
                            "malformed topic mapping item '" + item + "' in '" + spec + "': expected filter=topic");
                }
                rules.add(new Rule(item.substring(0, eq).trim(), item.substring(eq + 1).trim()));
            }
        }
        return new TopicMapper(rules, defaultTopic);
    }

    /** The RocketMQ topic that stores messages published to {@code mqttTopic}. */
    public String rocketTopic(String mqttTopic) {
        for (Rule rule : rules) {
            if (Topics.matches(rule.filter(), mqttTopic)) {
                return rule.rocketTopic();
            }
        }
        return defaultTopic;
    }

    /** Every RocketMQ topic a message may land in: rule targets in declaration order, then the default. */
    public Set<String> rocketTopics() {
        return rocketTopics;
    }

    public List<Rule> rules() {
        return rules;
    }

    public String defaultTopic() {
        return defaultTopic;
    }

    /** Why {@code topic} cannot be a mapping target, or null if it can. */
    /** What makes {@code topic} unusable as a first-level RocketMQ topic for MQTT messages, or null. */
    public static String rocketTopicProblem(String topic) {
        if (topic.length() > ROCKET_TOPIC_MAX_LENGTH) {
            return "RocketMQ topic is longer than " + ROCKET_TOPIC_MAX_LENGTH + " characters";
        }
        if (!ROCKET_TOPIC.matcher(topic).matches()) {
            return "RocketMQ topic '" + topic + "' is empty or has characters outside [%|a-zA-Z0-9_-]";
        }
        for (String prefix : RESERVED_PREFIXES) {
            if (topic.startsWith(prefix)) {
                return "RocketMQ topic '" + topic + "' starts with the reserved prefix '" + prefix + "'";
            }
        }
        if (RESERVED_TOPICS.contains(topic)) {
            return "RocketMQ topic '" + topic + "' is a RocketMQ system topic";
        }
        return null;
    }
}
