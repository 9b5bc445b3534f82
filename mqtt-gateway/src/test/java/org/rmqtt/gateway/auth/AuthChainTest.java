package org.rmqtt.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthChainTest {
    private final ExecutorService hashing = Executors.newSingleThreadExecutor();

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        hashing.shutdownNow();
    }

    private static Credentials credentials(String user, String password) {
        return new Credentials("c1", user, password == null ? null : password.getBytes(StandardCharsets.UTF_8), "127.0.0.1:5", null);
    }

    private static AuthDecision decide(Authenticator a, Credentials c) {
        return a.authenticate(c).toCompletableFuture().join();
    }

    /** A password file with cheap hashes (1 iteration) so the test is fast; the format is the same. */
    private ReloadingFile<PasswordFile> passwords(String... userAndPassword) throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < userAndPassword.length; i += 2) {
            byte[] salt = ("salt" + i).getBytes(StandardCharsets.UTF_8);
            lines.add(userAndPassword[i] + ":" + PasswordHash.format(1, salt,
                    PasswordHash.pbkdf2(userAndPassword[i + 1].getBytes(StandardCharsets.UTF_8), salt, 1, 64)));
        }
        Path file = dir.resolve("passwd");
        java.nio.file.Files.write(file, lines);
        java.nio.file.Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        return new ReloadingFile<>(file, "password file", true, PasswordFile::parse);
    }

    @Test
    void theFirstAllowOrDenyWinsAndIgnoredCredentialsEndIn0x05() throws Exception {
        AuthChain chain = new AuthChain(List.of(new AnonymousAuthenticator(),
                new PasswordFileAuthenticator(passwords("alice", "pw-a"), hashing, Duration.ofMinutes(1), 100)));
        assertThat(decide(chain, credentials(null, null)).allowed()).isTrue();
        assertThat(decide(chain, credentials("alice", "pw-a")).allowed()).isTrue();
        assertThat(decide(chain, credentials("alice", "wrong")).code())
                .isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD);
        assertThat(decide(chain, credentials("alice", null)).code())
                .isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD);
        // a user the file does not know falls through to the end of the chain
        assertThat(decide(chain, credentials("mallory", "x")).code()).isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED);
    }

    @Test
    void withoutAnonymousInTheChainAClientWithoutUserNameIsNotAuthorized() throws Exception {
        AuthChain chain = new AuthChain(List.of(
                new PasswordFileAuthenticator(passwords("alice", "pw-a"), hashing, Duration.ofMinutes(1), 100)));
        assertThat(decide(chain, credentials(null, null)).code()).isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED);
        assertThat(decide(new AuthChain(List.of()), credentials(null, null)).code())
                .isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED);
    }

    @Test
    void aFailingAuthenticatorRefusesWith0x03AndStopsTheChain() {
        Authenticator failing = c -> CompletableFuture.failedFuture(new IllegalStateException("down"));
        Authenticator throwing = c -> {
            throw new IllegalStateException("bug");
        };
        assertThat(decide(new AuthChain(List.of(failing, new AnonymousAuthenticator())), credentials(null, null)).code())
                .isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE);
        assertThat(decide(new AuthChain(List.of(throwing)), credentials(null, null)).code())
                .isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE);
    }

    @Test
    void aCertificateLetsInOnlyWithAVerifiedCommonName() {
        AuthChain chain = new AuthChain(List.of(new CertificateAuthenticator()));
        assertThat(decide(chain, new Credentials("c", null, null, "p", "dev-1")).allowed()).isTrue();
        assertThat(decide(chain, credentials(null, null)).code()).isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED);
    }

    @Test
    void aVerifiedPasswordIsRememberedAndAFullHashingQueueRefusesWith0x03() throws Exception {
        int[] hashed = {0};
        Executor counting = r -> {
            hashed[0]++;
            r.run();
        };
        PasswordFileAuthenticator file = new PasswordFileAuthenticator(passwords("alice", "pw-a"), counting, Duration.ofMinutes(1), 100);
        assertThat(decide(file, credentials("alice", "pw-a")).allowed()).isTrue();
        assertThat(decide(file, credentials("alice", "pw-a")).allowed()).isTrue();
        assertThat(hashed[0]).isEqualTo(1);
        assertThat(decide(file, credentials("alice", "other")).allowed()).isFalse(); // a different password is hashed
        assertThat(hashed[0]).isEqualTo(2);

        Executor full = r -> {
            throw new RejectedExecutionException("full");
        };
        PasswordFileAuthenticator busy = new PasswordFileAuthenticator(passwords("alice", "pw-a"), full, Duration.ofMinutes(1), 100);
        assertThat(decide(busy, credentials("alice", "pw-a")).code()).isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE);
    }

    @Test
    void credentialsNeverShowThePassword() {
        assertThat(credentials("alice", "hunter2").toString()).contains("alice").doesNotContain("hunter2").contains("***");
    }

    @Test
    void aReloadReplacesTheUsersAndABadFileKeepsTheOldOnes() throws Exception {
        ReloadingFile<PasswordFile> file = passwords("alice", "pw-a");
        Path path = file.file();
        PasswordFileAuthenticator auth = new PasswordFileAuthenticator(file, hashing, Duration.ofMinutes(1), 100);
        assertThat(decide(auth, credentials("bob", "pw-b")).outcome()).isEqualTo(AuthDecision.Outcome.IGNORE);
        passwords("alice", "pw-a", "bob", "pw-b"); // rewrites the same file
        file.checkForChange();
        assertThat(decide(auth, credentials("bob", "pw-b")).outcome()).isEqualTo(AuthDecision.Outcome.IGNORE); // settling
        file.checkForChange();
        assertThat(decide(auth, credentials("bob", "pw-b")).allowed()).isTrue();
        java.nio.file.Files.writeString(path, "bob:plain-text-password\n");
        file.checkForChange();
        file.checkForChange();
        assertThat(decide(auth, credentials("bob", "pw-b")).allowed()).isTrue();
    }
}
