package org.rmqtt.gateway.auth;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The parsed password file: {@code username:hash} lines, {@code #} comments and blank lines ignored. */
final class PasswordFile {
    private final Map<String, PasswordHash> users;

    private PasswordFile(Map<String, PasswordHash> users) {
        this.users = Map.copyOf(users);
    }

    static PasswordFile parse(Path file, List<String> lines) {
        Map<String, PasswordHash> users = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new AuthFileException(file, i + 1, "expected username:hash");
            }
            String user = line.substring(0, colon);
            try {
                if (users.put(user, PasswordHash.parse(line.substring(colon + 1))) != null) {
                    throw new AuthFileException(file, i + 1, "user " + user + " is listed twice");
                }
            } catch (IllegalArgumentException e) {
                throw new AuthFileException(file, i + 1, "user " + user + ": " + e.getMessage());
            }
        }
        return new PasswordFile(users);
    }

    /** The hash of {@code user}, or null when the file does not know it. */
    PasswordHash hash(String user) {
        return users.get(user);
    }

    int size() {
        return users.size();
    }
}
