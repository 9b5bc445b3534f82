package org.rmqtt.meta;

import org.rmqtt.common.topic.Topics;

/**
 * A subscription of a persistent session, kept while the session exists, connected or not.
 *
 * @param filter the topic filter
 * @param qos    the granted QoS
 */
public record Subscription(String filter, int qos) {
    public Subscription {
        Topics.validateFilter(filter);
        MetaValidation.qos(qos);
    }
}
