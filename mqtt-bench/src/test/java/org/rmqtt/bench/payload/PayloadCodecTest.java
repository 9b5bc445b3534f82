package org.rmqtt.bench.payload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class PayloadCodecTest {

    private final PayloadCodec codec = new PayloadCodec(0x1234, 64);

    @Test
    void roundTripsTheHeaderAndPadsToTheRequestedSize() {
        byte[] bytes = codec.encode(7, 123_456_789_012L, -42L);

        assertThat(bytes).hasSize(64);
        assertThat(codec.decode(bytes)).isEqualTo(new Payload(0x1234, 7, 123_456_789_012L, -42L));
    }

    @Test
    void smallestPayloadIsExactlyTheHeader() {
        PayloadCodec smallest = new PayloadCodec(1, PayloadCodec.HEADER_SIZE);

        assertThat(smallest.decode(smallest.encode(0, 0, 5))).isEqualTo(new Payload(1, 0, 0, 5));
        assertThatThrownBy(() -> new PayloadCodec(1, PayloadCodec.HEADER_SIZE - 1))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("below the " + PayloadCodec.HEADER_SIZE + "-byte");
    }

    @Test
    void decodingDoesNotMoveTheBufferAndHonoursItsPosition() {
        byte[] message = codec.encode(3, 9, 100);
        ByteBuffer buffer = ByteBuffer.allocate(message.length + 5);
        buffer.position(5);
        buffer.put(message);
        buffer.position(5);

        assertThat(codec.decode(buffer)).isEqualTo(new Payload(0x1234, 3, 9, 100));
        assertThat(buffer.position()).isEqualTo(5);
    }

    @Test
    void rejectsMessagesOfAnotherRunOrNotOfTheBenchmark() {
        PayloadCodec otherRun = new PayloadCodec(0x9999, 64);

        assertThat(codec.decode(otherRun.encode(1, 1, 1))).isNull();
        assertThat(codec.decode(new byte[64])).isNull();
        assertThat(codec.decode("hello".getBytes())).isNull();
        assertThat(codec.decode((byte[]) null)).isNull();
        assertThat(codec.decode((ByteBuffer) null)).isNull();
    }

    @Test
    void rejectsNegativeIdsThatWouldIndexOutsideTheAccounting() {
        assertThat(codec.decode(codec.encode(-1, 1, 1))).isNull();
        assertThat(codec.decode(codec.encode(1, -1, 1))).isNull();
    }
}
