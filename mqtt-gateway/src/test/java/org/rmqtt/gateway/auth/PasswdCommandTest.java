package org.rmqtt.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class PasswdCommandTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String stdin, String... args) {
        CommandLine cmd = new CommandLine(new PasswdCommand(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8))));
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        return cmd.execute(args);
    }

    private PasswordFile read(Path file) throws Exception {
        return PasswordFile.parse(file, Files.readAllLines(file));
    }

    @Test
    void addsChangesAndDeletesUsersInAnOwnerOnlyFile() throws Exception {
        Path file = dir.resolve("conf/passwd");
        assertThat(run("s3cret-a\n", "-f", file.toString(), "--password-stdin", "alice")).isZero();
        assertThat(run("s3cret-b\n", "-f", file.toString(), "--password-stdin", "bob")).isZero();
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(read(file).hash("alice").matches("s3cret-a".getBytes(StandardCharsets.UTF_8))).isTrue();
        assertThat(read(file).hash("alice").iterations()).isEqualTo(PasswordHash.DEFAULT_ITERATIONS);

        assertThat(run("changed\n", "-f", file.toString(), "--password-stdin", "--iterations", "100000", "alice")).isZero();
        assertThat(read(file).hash("alice").matches("changed".getBytes(StandardCharsets.UTF_8))).isTrue();
        assertThat(read(file).size()).isEqualTo(2);

        assertThat(run("", "-f", file.toString(), "-D", "alice")).isZero();
        assertThat(read(file).hash("alice")).isNull();
        assertThat(read(file).hash("bob")).isNotNull();
        assertThat(run("", "-f", file.toString(), "-D", "alice")).isEqualTo(1);
        assertThat(err.toString()).contains("No user alice");

        String printed = out + err.toString();
        assertThat(printed).contains("Added user alice", "Changed the password of user alice", "Deleted user alice")
                .doesNotContain("s3cret", "changed\n", "$pbkdf2");
        // no temporary file left behind
        assertThat(Files.list(file.getParent()).toList()).containsExactly(file);
    }

    @Test
    void keepsCommentsAndOtherLines() throws Exception {
        Path file = dir.resolve("passwd");
        Files.write(file, List.of("# users of the test bench"));
        assertThat(run("pw\n", "-f", file.toString(), "--password-stdin", "carol")).isZero();
        assertThat(Files.readAllLines(file)).hasSize(2).first().isEqualTo("# users of the test bench");
    }

    @Test
    void refusesBadInputWithoutTouchingTheFile() throws Exception {
        Path file = dir.resolve("passwd");
        assertThat(run("\n", "-f", file.toString(), "--password-stdin", "dave")).isEqualTo(1);
        assertThat(run("pw\n", "-f", file.toString(), "--password-stdin", "a:b")).isEqualTo(2);
        assertThat(run("pw\n", "-f", file.toString(), "--password-stdin", "--iterations", "1000", "erin")).isEqualTo(2);
        assertThat(Files.exists(file)).isFalse();
        // no console in a test: it says what to do instead
        assertThat(run("", "-f", file.toString(), "frank")).isEqualTo(1);
        assertThat(err.toString()).contains("--password-stdin");
    }
}
