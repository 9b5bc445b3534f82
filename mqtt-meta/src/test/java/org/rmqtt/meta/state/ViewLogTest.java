package org.rmqtt.meta.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.rmqtt.meta.codec.ViewChange;
import org.rmqtt.meta.codec.ViewDelta;

class ViewLogTest {

    private static ViewChange held(String filter) {
        return new ViewChange.FilterHeld(filter, "gw");
    }

    @Test
    void aClientThatFellBehindTheBoundIsToldToReload() {
        ViewLog log = new ViewLog(3, 0);
        log.add(1, List.of(held("a")));
        log.add(2, List.of(held("b")));
        log.add(3, List.of(held("c"), held("d")));

        assertThat(log.since(0, 3, 100).covered()).isFalse();
        ViewDelta fromOne = log.since(1, 3, 100);
        assertThat(fromOne.covered()).isTrue();
        assertThat(fromOne.changes()).containsExactly(held("b"), held("c"), held("d"));
        assertThat(fromOne.throughIndex()).isEqualTo(3);
        assertThat(log.since(3, 3, 100)).isEqualTo(new ViewDelta(true, 3, List.of()));
        // Asking a peer that is behind the client changes nothing for the client.
        assertThat(log.since(5, 3, 100)).isEqualTo(new ViewDelta(true, 5, List.of()));
    }

    @Test
    void aLongDeltaIsCutBetweenEntriesNeverInsideOne() {
        ViewLog log = new ViewLog(100, 0);
        log.add(1, List.of(held("a"), held("b")));
        log.add(2, List.of(held("c"), held("d"), held("e")));
        log.add(3, List.of(held("f")));

        ViewDelta first = log.since(0, 3, 3);
        assertThat(first.changes()).containsExactly(held("a"), held("b"), held("c"), held("d"), held("e"));
        assertThat(first.throughIndex()).isEqualTo(2);
        ViewDelta rest = log.since(first.throughIndex(), 3, 3);
        assertThat(rest.changes()).containsExactly(held("f"));
        assertThat(rest.throughIndex()).isEqualTo(3);
    }
}
