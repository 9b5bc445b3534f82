package org.rmqtt.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class AclTest {
    private static final Path FILE = Path.of("conf/acl");

    private static Acl acl(String... lines) {
        return Acl.parse(FILE, List.of(lines));
    }

    private static Identity user(String name, String clientId) {
        return new Identity(clientId, name, null);
    }

    @Test
    void rulesBeforeAnySectionAreTheAnonymousClients() {
        Acl acl = acl("# comment", "", "topic read public/#", "user alice", "topic alice/#");
        Identity anonymous = new Identity("c1", null, null);
        assertThat(acl.maySubscribe(anonymous, "public/#")).isTrue();
        assertThat(acl.mayPublish(anonymous, "public/x")).isFalse();
        assertThat(acl.maySubscribe(anonymous, "alice/#")).isFalse();
        Identity alice = user("alice", "c2");
        assertThat(acl.maySubscribe(alice, "public/#")).isFalse();
        // "topic" without an access word is readwrite
        assertThat(acl.mayPublish(alice, "alice/a/b")).isTrue();
        assertThat(acl.maySubscribe(alice, "alice/+/b")).isTrue();
    }

    @Test
    void aReadRuleMustCoverTheWholeFilter() {
        Acl acl = acl("user u", "topic read a/+/c", "topic write w/#");
        Identity u = user("u", "c");
        assertThat(acl.maySubscribe(u, "a/b/c")).isTrue();
        assertThat(acl.maySubscribe(u, "a/+/c")).isTrue();
        assertThat(acl.maySubscribe(u, "a/#")).isFalse();
        assertThat(acl.maySubscribe(u, "#")).isFalse();
        assertThat(acl.maySubscribe(u, "w/x")).isFalse(); // write only
        assertThat(acl.mayPublish(u, "w/x/y")).isTrue();
        assertThat(acl.mayPublish(u, "a/b/c")).isFalse(); // read only
    }

    @Test
    void aDenyWinsOverAnyGrantAndRefusesFiltersThatOverlapIt() {
        Acl acl = acl("user u", "topic readwrite #", "topic deny secret/#", "topic deny +/private");
        Identity u = user("u", "c");
        assertThat(acl.mayPublish(u, "open/x")).isTrue();
        assertThat(acl.mayPublish(u, "secret")).isFalse();
        assertThat(acl.mayPublish(u, "secret/x")).isFalse();
        assertThat(acl.mayPublish(u, "home/private")).isFalse();
        assertThat(acl.maySubscribe(u, "open/#")).isFalse(); // would receive open/private
        assertThat(acl.maySubscribe(u, "#")).isFalse(); // would receive secret/x
        assertThat(acl.maySubscribe(u, "open/x/#")).isTrue();
        assertThat(acl.maySubscribe(u, "+/x")).isFalse(); // would receive secret/x
        assertThat(acl.maySubscribe(u, "home/+")).isFalse(); // would receive home/private
    }

    @Test
    void patternsSubstituteUserNameAndClientIdForEveryone() {
        Acl acl = acl("pattern readwrite devices/%c/#", "pattern read users/%u/inbox", "user bob", "topic read x");
        Identity bob = user("bob", "dev-1");
        assertThat(acl.mayPublish(bob, "devices/dev-1/temp")).isTrue();
        assertThat(acl.mayPublish(bob, "devices/dev-2/temp")).isFalse();
        assertThat(acl.maySubscribe(bob, "users/bob/inbox")).isTrue();
        assertThat(acl.maySubscribe(bob, "users/alice/inbox")).isFalse();
        Identity anonymous = new Identity("dev-3", null, null);
        assertThat(acl.mayPublish(anonymous, "devices/dev-3/t")).isTrue();
        assertThat(acl.maySubscribe(anonymous, "users/null/inbox")).isFalse();
    }

    @Test
    void aWildcardOrSlashInAUserNameOrClientIdDoesNotWidenAPattern() {
        Acl acl = acl("pattern readwrite devices/%c/#", "pattern readwrite users/%u");
        assertThat(acl.maySubscribe(new Identity("#", null, null), "devices/#")).isFalse();
        assertThat(acl.mayPublish(new Identity("a/b", null, null), "devices/a/b")).isFalse();
        assertThat(acl.maySubscribe(new Identity("c", "+", null), "users/+")).isFalse();
    }

    @Test
    void clientIdAndCertificateSectionsAddTheirRules() {
        Acl acl = acl("clientid sensor-7", "topic write sensors/7/#", "cn gw.example.com", "topic read #");
        assertThat(acl.mayPublish(new Identity("sensor-7", null, null), "sensors/7/t")).isTrue();
        assertThat(acl.mayPublish(new Identity("sensor-8", null, null), "sensors/7/t")).isFalse();
        assertThat(acl.maySubscribe(new Identity("x", "u", "gw.example.com"), "#")).isTrue();
        assertThat(acl.maySubscribe(new Identity("x", "u", "other"), "#")).isFalse();
    }

    @Test
    void dollarTopicsAreNotReachedByALeadingWildcard() {
        Acl acl = acl("user u", "topic read #", "topic deny $SYS/#");
        Identity u = user("u", "c");
        assertThat(acl.maySubscribe(u, "#")).isTrue(); // '#' never receives $SYS topics
        assertThat(acl.maySubscribe(u, "$SYS/x")).isFalse();
    }

    @Test
    void overlapOfFilters() {
        assertThat(Acl.overlap("a/#", "a")).isTrue();
        assertThat(Acl.overlap("a/+", "a/b/c")).isFalse();
        assertThat(Acl.overlap("a/+/c", "+/b/#")).isTrue();
        assertThat(Acl.overlap("a/b", "a/c")).isFalse();
        assertThat(Acl.overlap("#", "$SYS/x")).isFalse();
        assertThat(Acl.overlap("$SYS/#", "$SYS/+")).isTrue();
    }

    @Test
    void aBadLineIsReportedWithFileAndLine() {
        assertThatThrownBy(() -> acl("user u", "topic read a/#", "topic write a+")).isInstanceOf(AuthFileException.class)
                .hasMessageStartingWith(FILE + ":3: ");
        assertThatThrownBy(() -> acl("", "topic read a/#/b")).hasMessageStartingWith(FILE + ":2: ").hasMessageContaining("a/#/b");
        assertThatThrownBy(() -> acl("allow all")).hasMessageStartingWith(FILE + ":1: unknown keyword 'allow'");
        assertThatThrownBy(() -> acl("user")).hasMessageStartingWith(FILE + ":1: user needs a name");
        assertThatThrownBy(() -> acl("topic read")).hasMessageContaining("needs a topic filter");
    }
}
