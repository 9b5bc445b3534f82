package org.rmqtt.common.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.rmqtt.common.mapping.LmqNames;

class TopicEventCodecTest {

    private static TopicEvent event(String broker, String topic, long offset, String... wildcardFilters) {
        List<String> lmqs = new java.util.ArrayList<>(List.of(LmqNames.of(topic)));
        List<Long> offsets = new java.util.ArrayList<>(List.of(offset));
        for (int i = 0; i < wildcardFilters.length; i++) {
            lmqs.add(LmqNames.of(wildcardFilters[i]));
            offsets.add(offset + 100 + i);
        }
        return new TopicEvent(broker, topic, lmqs, offsets);
    }

    private static List<TopicEvent> sampleBatch() {
        return List.of(
                event("broker-a", "sensors/room1/temp", 0, "sensors/+/temp", "#"),
                event("broker-b", "sensors/room2/temp", Long.MAX_VALUE),
                new TopicEvent("broker-a", "no/lmqs", List.of(), List.of()));
    }

    @Test
    void aBatchSurvivesTheRoundTrip() {
        List<TopicEvent> batch = sampleBatch();

        assertThat(TopicEventCodec.decode(TopicEventCodec.encode(batch))).isEqualTo(batch);
    }

    @Test
    void anEmptyBatchSurvivesTheRoundTrip() {
        assertThat(TopicEventCodec.decode(TopicEventCodec.encode(List.of()))).isEmpty();
    }

    @Test
    void nonAsciiTopicsAndBrokerNamesSurviveTheRoundTrip() {
        List<TopicEvent> batch = List.of(
                event("brökér-😀", "温度/房间/ü", 42, "温度/+/ü"),
                event("b", "emoji/😀/\u00e9\u0301", 7),
                event("b", "/leading/and/trailing/", 1),
                event("b", "nul-free but \t tab and space", 3));

        assertThat(TopicEventCodec.decode(TopicEventCodec.encode(batch))).isEqualTo(batch);
    }

    @Test
    void topicsOfTheFullMqttLengthSurviveTheRoundTrip() {
        // 65535 UTF-8 bytes: beyond what DataOutput.writeUTF can carry for non-ASCII text.
        String threeByteChars = "€".repeat(21_845);
        String fourByteChars = "😀".repeat(16_383) + "abc";
        assertThat(threeByteChars.getBytes(StandardCharsets.UTF_8)).hasSize(65_535);
        assertThat(fourByteChars.getBytes(StandardCharsets.UTF_8)).hasSize(65_535);
        List<TopicEvent> batch = List.of(event("b", threeByteChars, 1), event("b", fourByteChars, 2));

        List<TopicEvent> decoded = TopicEventCodec.decode(TopicEventCodec.encode(batch));

        assertThat(decoded).isEqualTo(batch);
        // Long names hash to a bounded LMQ name, which travels as is.
        assertThat(decoded.get(0).lmqs().get(0)).isEqualTo(LmqNames.of(threeByteChars));
    }

    @Test
    void aLargeBatchSurvivesTheRoundTrip() {
        List<TopicEvent> batch = IntStream.range(0, 5_000)
                .mapToObj(i -> event("broker-" + (i % 3), "t/" + i, i, "t/+")).toList();

        assertThat(TopicEventCodec.decode(TopicEventCodec.encode(batch))).isEqualTo(batch);
    }

    @Test
    void theFirstByteIsTheVersion() {
        assertThat(TopicEventCodec.encode(sampleBatch())[0]).isEqualTo(TopicEventCodec.VERSION);
    }

    @Test
    void anUnknownVersionIsRejected() {
        byte[] body = TopicEventCodec.encode(sampleBatch());
        body[0] = (byte) (TopicEventCodec.VERSION + 1);

        assertThatThrownBy(() -> TopicEventCodec.decode(body))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("version " + (TopicEventCodec.VERSION + 1));
    }

    @Test
    void everyTruncationIsRejected() {
        byte[] body = TopicEventCodec.encode(sampleBatch());

        for (int length = 0; length < body.length; length++) {
            byte[] truncated = Arrays.copyOf(body, length);
            assertThatThrownBy(() -> TopicEventCodec.decode(truncated))
                    .as("body cut to %d of %d bytes", length, body.length)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void trailingBytesAreRejected() {
        byte[] body = TopicEventCodec.encode(sampleBatch());
        byte[] longer = Arrays.copyOf(body, body.length + 1);

        assertThatThrownBy(() -> TopicEventCodec.decode(longer))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("trailing");
    }

    @Test
    void aNegativeOrHugeEventCountIsRejected() {
        byte[] negative = {TopicEventCodec.VERSION, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF};
        byte[] huge = {TopicEventCodec.VERSION, 0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF};

        assertThatThrownBy(() -> TopicEventCodec.decode(negative)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TopicEventCodec.decode(huge)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aTopicLengthBeyondTheBodyIsRejected() {
        // version, one event, broker "b", then a topic length far beyond the body.
        byte[] body = {TopicEventCodec.VERSION, 0, 0, 0, 1, 0, 1, 'b', 0, 0x0F, (byte) 0xFF, (byte) 0xFF, 'x'};

        assertThatThrownBy(() -> TopicEventCodec.decode(body)).isInstanceOf(IllegalArgumentException.class);
    }
}
