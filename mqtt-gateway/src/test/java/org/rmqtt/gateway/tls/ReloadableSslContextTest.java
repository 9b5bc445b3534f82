package org.rmqtt.gateway.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rmqtt.common.config.ConfigException;

class ReloadableSslContextTest {
    private static final TestPki.Identity CA = TestPki.ca("test-ca");

    @TempDir
    Path dir;

    private ReloadableSslContext.Settings settings(Path passwordFile, String provider) {
        return new ReloadableSslContext.Settings(dir.resolve("server.pem"), dir.resolve("server.key"), passwordFile,
                ClientAuth.REQUIRE, dir.resolve("ca.pem"), List.of("TLSv1.2", "TLSv1.3"), List.of(), provider);
    }

    private void writeServer(TestPki.Identity server) {
        TestPki.writeChain(server, dir.resolve("server.pem"));
        TestPki.writeKey(server, dir.resolve("server.key"));
    }

    @Test
    void loadsPlainAndEncryptedKeysWithEachProvider() throws Exception {
        TestPki.Identity server = TestPki.server(CA, "server");
        TestPki.writeCertificate(CA.certificate(), dir.resolve("ca.pem"));
        writeServer(server);
        List<String> providers = OpenSsl.isAvailable() ? List.of("jdk", "openssl", "auto") : List.of("jdk", "auto");
        for (String provider : providers) {
            assertThat(ReloadableSslContext.load(settings(null, provider)).current().isServer()).isTrue();
        }
        TestPki.writeEncryptedKey(server, "s3cret", dir.resolve("server.key"));
        Files.writeString(dir.resolve("key.password"), "s3cret\n");
        for (String provider : providers) {
            assertThat(ReloadableSslContext.load(settings(dir.resolve("key.password"), provider)).current().isServer()).isTrue();
        }
    }

    @Test
    void aMissingOrWrongKeyStopsStartUpNamingTheKeyAndTheFile() throws Exception {
        TestPki.Identity server = TestPki.server(CA, "server");
        TestPki.writeCertificate(CA.certificate(), dir.resolve("ca.pem"));
        TestPki.writeChain(server, dir.resolve("server.pem"));
        assertThatThrownBy(() -> ReloadableSslContext.load(settings(null, "auto")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("mqtt.tls.keyFile: " + dir.resolve("server.key"))
                .hasMessageContaining("no such file");

        TestPki.writeEncryptedKey(server, "s3cret", dir.resolve("server.key"));
        Files.writeString(dir.resolve("key.password"), "wrong");
        assertThatThrownBy(() -> ReloadableSslContext.load(settings(dir.resolve("key.password"), "auto")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("mqtt.tls.keyFile: " + dir.resolve("server.key"));

        TestPki.writeKey(TestPki.server(CA, "another"), dir.resolve("server.key"));
        assertThatThrownBy(() -> ReloadableSslContext.load(settings(null, "auto")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("mqtt.tls.keyFile")
                .hasMessageContaining("does not belong to the first certificate");

        writeServer(server);
        assertThatThrownBy(() -> ReloadableSslContext.load(settings(dir.resolve("no-such-password"), "auto")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("mqtt.tls.keyPasswordFile: " + dir.resolve("no-such-password"));
        Files.writeString(dir.resolve("ca.pem"), "not a certificate");
        assertThatThrownBy(() -> ReloadableSslContext.load(settings(null, "auto")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("mqtt.tls.caFile: " + dir.resolve("ca.pem"));
    }

    @Test
    void aChangedCertificateIsLoadedOnceItHoldsStillAndABadOneKeepsTheOld() throws Exception {
        TestPki.writeCertificate(CA.certificate(), dir.resolve("ca.pem"));
        writeServer(TestPki.server(CA, "first"));
        ReloadableSslContext tls = ReloadableSslContext.load(settings(null, "auto"));
        SslContext first = tls.current();
        assertThat(tls.reloadIfChanged()).isFalse();
        assertThat(tls.current()).isSameAs(first);

        writeServer(TestPki.server(CA, "second"));
        assertThat(tls.reloadIfChanged()).as("changed since the last poll: not yet").isFalse();
        assertThat(tls.reloadIfChanged()).as("unchanged for one poll: loaded").isTrue();
        SslContext second = tls.current();
        assertThat(second).isNotSameAs(first);

        // A key that does not fit the certificate: reported, the context in use stays.
        TestPki.writeKey(TestPki.server(CA, "third"), dir.resolve("server.key"));
        assertThat(tls.reloadIfChanged()).isFalse();
        assertThat(tls.reloadIfChanged()).isFalse();
        assertThat(tls.reloadIfChanged()).isFalse();
        assertThat(tls.current()).isSameAs(second);

        // Fixed: loaded.
        writeServer(TestPki.server(CA, "fourth"));
        tls.reloadIfChanged();
        assertThat(tls.reloadIfChanged()).isTrue();
        assertThat(tls.current()).isNotSameAs(second);
    }
}
