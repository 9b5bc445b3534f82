package org.rmqtt.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rmqtt.common.config.ConfigException;
import org.rmqtt.common.config.GatewayConfig;

class SecurityTest {
    @TempDir
    Path dir;

    private static GatewayConfig config(Map<String, String> auth) {
        return GatewayConfig.of(Map.of("rocketmq.namesrv", "127.0.0.1:9876")).with(auth);
    }

    @Test
    void aBadAclLineOrAMissingFileStopsStartUpNamingFileAndLine() throws Exception {
        Path acl = dir.resolve("acl");
        Files.writeString(acl, "user alice\ntopic read a/#/b\n");
        assertThatThrownBy(() -> Security.fromConfig(config(Map.of("auth.aclFile", acl.toString()))))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("auth.aclFile: " + acl + ":2: ");
        Path missing = dir.resolve("passwd");
        assertThatThrownBy(() -> Security.fromConfig(config(Map.of("auth.chain", "file", "auth.passwordFile", missing.toString()))))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("auth.passwordFile: " + missing);
    }

    @Test
    void theChainOfTheConfigurationDecides() throws Exception {
        try (Security anonymous = Security.fromConfig(config(Map.of("auth.chain", "anonymous")));
             Security nobody = Security.fromConfig(config(Map.of()))) {
            Credentials anon = new Credentials("c", null, null, "127.0.0.1:1", null);
            assertThat(anonymous.authenticator().authenticate(anon).toCompletableFuture().join().allowed()).isTrue();
            assertThat(nobody.authenticator().authenticate(anon).toCompletableFuture().join().allowed()).isFalse();
        }
    }
}
