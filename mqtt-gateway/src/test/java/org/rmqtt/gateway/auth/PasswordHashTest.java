package org.rmqtt.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class PasswordHashTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void pbkdf2MatchesThePublishedHmacSha512Vectors() {
        // PBKDF2-HMAC-SHA512, P="password", S="salt" (the RFC 6070 inputs with SHA-512).
        assertThat(HexFormat.of().formatHex(PasswordHash.pbkdf2(utf8("password"), utf8("salt"), 1, 64))).isEqualTo(
                "867f70cf1ade02cff3752599a3a53dc4af34c7a669815ae5d513554e1c8cf252"
                        + "c02d470a285a0501bad999bfe943c08f050235d7d68b1da55e63f73b60a57fce");
        assertThat(HexFormat.of().formatHex(PasswordHash.pbkdf2(utf8("password"), utf8("salt"), 2, 64))).isEqualTo(
                "e1d9c16aa681708a45f5c7c4e215ceb66e011a2e9f0040713f18aefdb866d53c"
                        + "f76cab2868a39b9f7840edce4fef5a82be67335c77a6068e04112754f27ccf4e");
    }

    @Test
    void aStoredHashInTheFileFormatChecksItsPassword() {
        String stored = PasswordHash.format(1, utf8("salt"), PasswordHash.pbkdf2(utf8("password"), utf8("salt"), 1, 64));
        assertThat(stored).startsWith("$pbkdf2-sha512$1$c2FsdA$");
        PasswordHash hash = PasswordHash.parse(stored);
        assertThat(hash.matches(utf8("password"))).isTrue();
        assertThat(hash.matches(utf8("Password"))).isFalse();
        assertThat(hash.matches(new byte[0])).isFalse();
    }

    @Test
    void createdHashesAreSaltedAndSlow() {
        String a = PasswordHash.create(utf8("s3cret"), PasswordHash.MIN_ITERATIONS);
        String b = PasswordHash.create(utf8("s3cret"), PasswordHash.MIN_ITERATIONS);
        assertThat(a).isNotEqualTo(b).doesNotContain("s3cret");
        assertThat(PasswordHash.parse(a).iterations()).isEqualTo(PasswordHash.MIN_ITERATIONS);
        assertThat(PasswordHash.parse(a).matches(utf8("s3cret"))).isTrue();
        assertThat(PasswordHash.parse(b).matches(utf8("s3cret!"))).isFalse();
        assertThatThrownBy(() -> PasswordHash.create(utf8("x"), 1000)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void plainTextAndMalformedHashesAreRefusedWithoutEchoingThem() {
        assertThatThrownBy(() -> PasswordHash.parse("hunter2")).hasMessageContaining("plain-text").hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> PasswordHash.parse("$pbkdf2-sha512$x$c2FsdA$AAAA")).hasMessageContaining("iterations");
        assertThatThrownBy(() -> PasswordHash.parse("$pbkdf2-sha512$10$!!$AAAA")).hasMessageContaining("Base64");
        assertThatThrownBy(() -> PasswordHash.parse("$pbkdf2-sha512$10$c2FsdA")).hasMessageContaining("<iterations>");
    }
}
