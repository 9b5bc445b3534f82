package org.rmqtt.gateway.auth;

import org.rmqtt.common.health.Counters;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

class PeerCertificatesTest {

    @Test
    void theMostSpecificCommonNameOfADistinguishedName() {
        assertThat(PeerCertificates.commonName("CN=dev-1,OU=Sensors,O=Example")).isEqualTo("dev-1");
        assertThat(PeerCertificates.commonName("CN=dev-1,CN=outer,O=Example")).isEqualTo("dev-1");
        assertThat(PeerCertificates.commonName("CN=a\\,b,O=Example")).isEqualTo("a,b");
        assertThat(PeerCertificates.commonName("O=Example")).isNull();
        assertThat(PeerCertificates.commonName("not a name")).isNull();
    }

    @Test
    void aPlainConnectionHasNoCertificateAndKeepsItsCredentials() {
        EmbeddedChannel channel = new EmbeddedChannel();
        assertThat(PeerCertificates.commonName(channel)).isNull();
        Security security = Security.of(new AnonymousAuthenticator(), Authorizer.ALLOW_ALL, new Counters(),
                Security.CertificateAs.CLIENT_ID);
        Credentials c = security.credentials(channel, "c1", "alice", new byte[] {1});
        assertThat(c.clientId()).isEqualTo("c1");
        assertThat(c.username()).isEqualTo("alice");
        assertThat(c.certCommonName()).isNull();
        channel.finishAndReleaseAll();
    }
}
