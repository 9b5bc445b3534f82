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
        body[0] = (byte) (TopicEventCodec.VERSION_INLINE + 1);

        assertThatThrownBy(() -> TopicEventCodec.decode(body))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("version " + (TopicEventCodec.VERSION_INLINE + 1));
    }

    private static List<TopicEvent> inlineBatch() {
        TopicEvent small = event("broker-a", "sensors/room1/temp", 5, "sensors/+/temp");
        return List.of(
                new TopicEvent(small.brokerName(), small.topic(), small.lmqs(), small.offsets(),
                        new TopicEvent.InlineMessage(1, false, "21.5".getBytes(StandardCharsets.UTF_8))),
                event("broker-a", "too/large", 6),
                new TopicEvent("broker-b", "empty/retained", List.of(LmqNames.of("empty/retained")), List.of(0L),
                        new TopicEvent.InlineMessage(2, true, new byte[0])));
    }

    @Test
    void inlineMessagesSurviveTheRoundTripNextToEventsWithout() {
        List<TopicEvent> batch = inlineBatch();

        byte[] body = TopicEventCodec.encode(batch);

        assertThat(body[0]).isEqualTo(TopicEventCodec.VERSION_INLINE);
        assertThat(TopicEventCodec.decode(body)).isEqualTo(batch);
    }

    @Test
    void aBatchWithoutInlineMessagesIsWrittenAsVersionOneForOlderReceivers() {
        assertThat(TopicEventCodec.encode(inlineBatch().stream().map(TopicEvent::withoutInline).toList())[0])
                .isEqualTo(TopicEventCodec.VERSION);
    }

    @Test
    void aVersionOneBodyFromAnOlderSenderDecodesWithoutInlineMessages() {
        // One event, written the way the previous release wrote it: broker, topic, one LMQ and offset.
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
            out.writeByte(1);
            out.writeInt(1);
            out.writeUTF("broker-a");
            byte[] topic = "a/b".getBytes(StandardCharsets.UTF_8);
            out.writeInt(topic.length);
            out.write(topic);
            out.writeShort(1);
            out.writeUTF(LmqNames.of("a/b"));
            out.writeLong(42);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }

        assertThat(TopicEventCodec.decode(bytes.toByteArray()))
                .containsExactly(new TopicEvent("broker-a", "a/b", List.of(LmqNames.of("a/b")), List.of(42L)));
    }

    @Test
    void everyTruncationOfAnInlineBatchIsRejected() {
        byte[] body = TopicEventCodec.encode(inlineBatch());

        for (int length = 0; length < body.length; length++) {
            byte[] truncated = Arrays.copyOf(body, length);
            assertThatThrownBy(() -> TopicEventCodec.decode(truncated))
                    .as("body cut to %d of %d bytes", length, body.length)
                    .isInstanceOf(IllegalArgumentException.class);
        }
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
