package org.rmqtt.gateway.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.rmqtt.gateway.conformance.RawClient.DISCONNECT;
import static org.rmqtt.gateway.conformance.RawClient.PINGREQ;
import static org.rmqtt.gateway.conformance.RawClient.PINGRESP;
import static org.rmqtt.gateway.conformance.RawClient.bytes;
import static org.rmqtt.gateway.conformance.Target.unique;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** §3.12 PINGREQ, §3.13 PINGRESP and §3.14 DISCONNECT (the will statements are in WillIT). */
class PingDisconnectIT {
    private static Target target;

    @BeforeAll
    static void start() {
        target = Target.start();
    }

    @AfterAll
    static void stop() {
        target.close();
    }

    @Test
    void MQTT_3_12_4_1_pingreqIsAnsweredWithPingresp() {
        try (RawClient client = target.raw()) {
            client.connect(unique("k"));
            client.send(bytes(PINGREQ, 0), bytes(PINGREQ, 0));
            RawClient.Packet first = client.expect(PINGRESP);
            RawClient.Packet second = client.expect(PINGRESP);
            assertThat(first.flags()).isZero();
            assertThat(first.body()).isEmpty();
            assertThat(second.body()).isEmpty();
        }
    }

    @Test
    void MQTT_3_14_1_1_disconnectWithReservedFlagsCloses() {
        try (RawClient client = target.raw()) {
            client.connect(unique("k"));
            client.send(bytes(DISCONNECT | 0x01, 0));
            client.assertClosedWithoutReply();
        }
    }

    @Test
    void afterDisconnectTheServerClosesWithoutAReply() {
        try (RawClient client = target.raw()) {
            client.connect(unique("k"));
            client.send(bytes(DISCONNECT, 0));
            // The server closes after DISCONNECT (it SHOULD), and never answers it.
            client.assertClosedWithoutReply();
        }
    }
}
