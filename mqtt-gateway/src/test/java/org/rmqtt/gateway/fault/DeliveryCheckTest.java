package org.rmqtt.gateway.fault;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DeliveryCheckTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    private static QosLoad.Receipt r(int publisher, long seq, boolean dup, long millis) {
        return new QosLoad.Receipt(publisher, seq, dup, millis * MS);
    }

    @Test
    void everythingAcknowledgedReceivedOnceInOrderIsClean() {
        DeliveryCheck check = DeliveryCheck.of(List.of(r(0, 0, false, 10), r(2, 0, false, 20), r(0, 1, false, 30),
                r(2, 1, false, 40)), Map.of(0, Set.of(0L, 1L), 2, Set.of(0L, 1L)), 0);

        assertThat(check.acknowledged()).isEqualTo(4);
        assertThat(check.received()).isEqualTo(4);
        assertThat(check.lost()).isZero();
        assertThat(check.duplicates()).isZero();
        assertThat(check.outOfOrder()).isZero();
        assertThat(check.longestGapMillis()).isEqualTo(10);
    }

    @Test
    void anAcknowledgedMessageNeverReceivedIsLostAndAnUnacknowledgedOneIsNot() {
        DeliveryCheck check = DeliveryCheck.of(List.of(r(0, 0, false, 1), r(0, 3, false, 2)),
                Map.of(0, Set.of(0L, 1L, 2L)), 0);

        assertThat(check.lost()).isEqualTo(2);
        assertThat(check.lostSample()).containsExactly("p0:1", "p0:2");
    }

    @Test
    void aSecondReceiptIsADuplicateCountedApartWithoutTheDupFlag() {
        DeliveryCheck check = DeliveryCheck.of(List.of(r(0, 0, false, 1), r(0, 1, false, 2), r(0, 0, true, 3),
                r(0, 1, false, 4)), Map.of(0, Set.of(0L, 1L)), 0);

        assertThat(check.duplicates()).isEqualTo(2);
        assertThat(check.duplicatesNoFlag()).isEqualTo(1);
        assertThat(check.outOfOrder()).as("redeliveries are not reordering").isZero();
    }

    @Test
    void orderIsPerPublisherAndOnlyFirstReceiptsCount() {
        DeliveryCheck check = DeliveryCheck.of(List.of(r(0, 1, false, 1), r(2, 0, false, 2), r(0, 0, false, 3),
                r(0, 2, false, 4)), Map.of(0, Set.of(0L, 1L, 2L), 2, Set.of(0L)), 0);

        assertThat(check.outOfOrder()).isEqualTo(1);
        assertThat(check.lost()).isZero();
    }

    @Test
    void aLateUnacknowledgedMessageIsCountedApartNotAsReordering() {
        DeliveryCheck check = DeliveryCheck.of(List.of(r(0, 0, false, 1), r(0, 2, false, 2), r(0, 1, false, 3),
                r(0, 3, false, 4)), Map.of(0, Set.of(0L, 2L, 3L)), 0);

        assertThat(check.unacknowledged()).isEqualTo(1);
        assertThat(check.outOfOrder()).isZero();
        assertThat(check.lost()).isZero();
    }

    @Test
    void warmUpAndOtherPublishersAreIgnoredAndTheFirstGapCountsFromTheStart() {
        DeliveryCheck check = DeliveryCheck.of(List.of(r(0, -1, false, 5), r(1, 0, false, 6), r(0, 0, false, 500)),
                Map.of(0, Set.of(0L)), 100 * MS);

        assertThat(check.received()).isEqualTo(1);
        assertThat(check.longestGapMillis()).isEqualTo(400);
    }
}
