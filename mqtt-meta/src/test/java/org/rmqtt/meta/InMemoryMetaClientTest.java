package org.rmqtt.meta;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class InMemoryMetaClientTest extends MetaClientContractTest {

    /** A clock the test moves by hand, so lease expiry needs no waiting. */
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
    protected void awaitFiltersGone(MetaClient client, String topic) {
        // The second advance in the contract test already ran the grace out.
        assertThat(client.matchingWildcardFilters(topic)).isEmpty();
    }

    @Override
    protected Duration shortLease() {
        return Duration.ofSeconds(30);
    }

    private static <T> T get(java.util.concurrent.CompletableFuture<T> future) throws Exception {
        return future.get();
    }

    @Test
    void anUnownedPersistentSessionEndsWhenItsExpiryRunsOut() throws Exception {
        InMemoryMetaClient meta = new InMemoryMetaClient(clock, Duration.ofMinutes(10));
        SessionClaim claim = get(meta.claimSession("e1", "gw", false, 10_000));
        get(meta.addSubscription("e1", new Subscription("e/+", 1)));
        get(meta.addSubscription("keeper", new Subscription("e/+", 1)));
        get(meta.addSubscription("e1", new Subscription("only/e1/#", 1)));
        clock.advance(Duration.ofHours(1));
        assertThat(get(meta.session("e1"))).as("owned: no expiry").isPresent();
        assertThat(get(meta.releaseSession("e1", "gw", claim.epoch()))).isTrue();

        clock.advance(Duration.ofMillis(9_999));
        assertThat(get(meta.session("e1"))).isPresent();
        assertThat(meta.matchingWildcardFilters("only/e1/x")).containsExactly("only/e1/#");
        clock.advance(Duration.ofMillis(1));
        assertThat(meta.matchingWildcardFilters("only/e1/x")).isEmpty();
        assertThat(meta.matchingWildcardFilters("e/1")).as("still held by another session").containsExactly("e/+");
        assertThat(get(meta.session("e1"))).isEmpty();
        assertThat(get(meta.subscriptions("e1"))).isEmpty();
        assertThat(get(meta.claimSession("e1", "gw", false, 10_000)).session()).isNull();
    }

    @Test
    void aReclaimStopsTheExpiryAndExpiryZeroNeverEnds() throws Exception {
        InMemoryMetaClient meta = new InMemoryMetaClient(clock, Duration.ofMinutes(10));
        SessionClaim claim = get(meta.claimSession("r1", "gw", false, 1_000));
        get(meta.releaseSession("r1", "gw", claim.epoch()));
        clock.advance(Duration.ofMillis(500));
        SessionClaim back = get(meta.claimSession("r1", "gw", false, 1_000));
        assertThat(back.sessionPresent()).isTrue();
        clock.advance(Duration.ofMinutes(5));
        assertThat(get(meta.session("r1"))).isPresent();

        SessionClaim forever = get(meta.claimSession("r2", "gw", false, 0));
        get(meta.releaseSession("r2", "gw", forever.epoch()));
        clock.advance(Duration.ofDays(365));
        assertThat(get(meta.session("r2"))).isPresent();
    }

    @Test
    void sessionsOfANodeThatLeftOrExpiredStartTheirExpiry() throws Exception {
        InMemoryMetaClient meta = new InMemoryMetaClient(clock, Duration.ofSeconds(30));
        GatewayNode a = new GatewayNode("gwA", "h:1", "h:2");
        GatewayNode b = new GatewayNode("gwB", "h:3", "h:4");
        get(meta.heartbeat(a));
        get(meta.heartbeat(b));
        get(meta.claimSession("left", "gwA", false, 1_000));
        get(meta.claimSession("lapsed", "gwB", false, 1_000));
        get(meta.leave("gwA"));
        clock.advance(Duration.ofMillis(999));
        assertThat(get(meta.session("left"))).isPresent();
        clock.advance(Duration.ofMillis(1));
        assertThat(get(meta.session("left"))).isEmpty();
        assertThat(get(meta.session("lapsed"))).as("gwB still owns it").isPresent();

        clock.advance(Duration.ofSeconds(30));
        assertThat(meta.node("gwB")).isEmpty();
        assertThat(get(meta.session("lapsed"))).as("released when the lease ran out").isPresent();
        clock.advance(Duration.ofMillis(1_000));
        assertThat(get(meta.session("lapsed"))).isEmpty();
    }
}
