package org.rmqtt.common.message;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The empty-payload envelope that RocketMQ's refusal of zero-length bodies needs. */
class MessagePropertiesTest {

    @Test
    void anEmptyPayloadIsStoredAsOnePlaceholderByteAndReadBackEmpty() {
        byte[] body = MessageProperties.body(new byte[0]);
        assertThat(body).hasSize(1);
        assertThat(MessageProperties.payload("true", body)).isEmpty();
    }

    @Test
    void otherPayloadsAreStoredAsTheyAre() {
        byte[] payload = {1, 2, 3};
        assertThat(MessageProperties.body(payload)).isSameAs(payload);
        assertThat(MessageProperties.payload(null, payload)).isSameAs(payload);
        assertThat(MessageProperties.payload("false", payload)).isSameAs(payload);
    }
}
