package org.rmqtt.meta;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

class InMemoryMetaClientTest extends MetaClientContractTest {

    /** A clock the test moves by hand, so lease expiry needs no waiting. */
    private static final class ManualClock extends Clock {
        private volatile Instant now = Instant.parse("2025-01-01T00:00:00Z");

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private final ManualClock clock = new ManualClock();

    @Override
    protected MetaClient newClient(Duration leaseTime) {
        return new InMemoryMetaClient(clock, leaseTime);
    }

    @Override
    protected void expireLeases(MetaClient client, Duration leaseTime, String nodeId) {
        clock.advance(leaseTime.plusMillis(1));
    }

    @Override
    protected Duration shortLease() {
        return Duration.ofSeconds(30);
    }
}
