package org.rmqtt.gateway.auth;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Adds, changes or deletes a user of a password file ({@code auth.passwordFile}). The file is
 * rewritten whole into a temporary file beside it, then moved over it, so a gateway never reads
 * half of it; it is created readable by its owner only. Neither password nor hash is printed.
 */
@Command(name = "passwd", mixinStandardHelpOptions = true,
        description = {"Adds or changes a user of a password file (asks for the password twice), or deletes one (-D).",
                "Gateways with auth.chain containing 'file' pick the change up within auth.reloadInterval."})
public final class PasswdCommand implements Callable<Integer> {

    @Option(names = {"-f", "--file"}, required = true, description = "The password file; created if missing (mode 600).")
    Path file;

    @Option(names = {"-D", "--delete"}, description = "Delete the user.")
    boolean delete;

    @Option(names = "--password-stdin", description = "Read the password from the first line of standard input.")
    boolean passwordStdin;

    @Option(names = "--iterations", defaultValue = "" + PasswordHash.DEFAULT_ITERATIONS,
            description = "PBKDF2 iterations, at least " + PasswordHash.MIN_ITERATIONS + " (default: ${DEFAULT-VALUE}).")
    int iterations;

    @Parameters(index = "0", paramLabel = "USER", description = "The user name.")
    String user;

    @Spec
    CommandSpec spec;

    private final InputStream stdin;

    public PasswdCommand() {
        this(System.in);
    }

    /** @param stdin where {@code --password-stdin} reads from */
    public PasswdCommand(InputStream stdin) {
        this.stdin = stdin;
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (user.isEmpty() || user.indexOf(':') >= 0 || user.chars().anyMatch(Character::isWhitespace)) {
            err.println("A user name may not be empty nor contain ':' or white space.");
            return 2;
        }
        List<String> lines = Files.exists(file) ? new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8)) : new ArrayList<>();
        int existing = find(lines, user);
        if (delete) {
            if (existing < 0) {
                err.println("No user " + user + " in " + file + ".");
                return 1;
            }
            lines.remove(existing);
            write(lines);
            out.println("Deleted user " + user + " from " + file + ".");
            return 0;
        }
        if (iterations < PasswordHash.MIN_ITERATIONS) {
            err.println("--iterations must be at least " + PasswordHash.MIN_ITERATIONS + ".");
            return 2;
        }
        byte[] password = readPassword(err);
        if (password == null) {
            return 1;
        }
        String entry;
        try {
            entry = user + ":" + PasswordHash.create(password, iterations);
        } finally {
            Arrays.fill(password, (byte) 0);
        }
        if (existing >= 0) {
            lines.set(existing, entry);
        } else {
            lines.add(entry);
        }
        write(lines);
        out.println((existing >= 0 ? "Changed the password of user " : "Added user ") + user + " to " + file + ".");
        return 0;
    }

    /** The password as UTF-8, or null after telling why there is none. */
    private byte[] readPassword(PrintWriter err) throws IOException {
        String password;
        if (passwordStdin) {
            BufferedReader reader = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8));
            password = reader.readLine();
        } else {
            Console console = System.console();
            if (console == null) {
                err.println("No console to ask for the password: use --password-stdin.");
                return null;
            }
            char[] first = console.readPassword("Password for %s: ", user);
            char[] second = console.readPassword("Again: ");
            if (first == null || second == null || !Arrays.equals(first, second)) {
                err.println("The passwords differ; nothing changed.");
                return null;
            }
            password = new String(first);
            Arrays.fill(first, '\0');
            Arrays.fill(second, '\0');
        }
        if (password == null || password.isEmpty()) {
            err.println("The password is empty; nothing changed.");
            return null;
        }
        return password.getBytes(StandardCharsets.UTF_8);
    }

    private static int find(List<String> lines, String user) {
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (!line.startsWith("#") && line.startsWith(user + ":")) {
                return i;
            }
        }
        return -1;
    }

    /** Into a temporary file beside the target (owner-only), then moved over it in one step. */
    private void write(List<String> lines) throws IOException {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        Files.createDirectories(dir);
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        Path temp = posix
                ? Files.createTempFile(dir, "." + target.getFileName(), ".tmp",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
                : Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
        try {
            Files.write(temp, lines, StandardCharsets.UTF_8);
            try {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
