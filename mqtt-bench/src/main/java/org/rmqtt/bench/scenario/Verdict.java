package org.rmqtt.bench.scenario;

import org.rmqtt.bench.cli.LoadOptions;
import org.rmqtt.bench.load.LoadResult;

/** The exit code of a message scenario: it reports, and only judges when asked to with --strict. */
final class Verdict {

    static final int OK = 0;
    static final int FAILED = 1;

    private Verdict() {
    }

    static int of(LoadResult result, LoadOptions load) {
        if (!load.strict) {
            return OK;
        }
        return countsAddUp(result, load.qos) ? OK : FAILED;
    }

    /**
     * Whether the run delivered what it promised: nothing failed or went unconfirmed and, at QoS 1
     * and 2, every confirmed message reached every subscriber that should have it.
     */
    static boolean countsAddUp(LoadResult result, int qos) {
        boolean sent = result.failed() == 0 && result.unresolved() == 0 && result.confirmed() == result.attempted();
        boolean delivered = qos == 0 || result.totals().lost() == 0;
        return sent && delivered && result.totals().unexpected() == 0;
    }
}
