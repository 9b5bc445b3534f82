package org.rmqtt.gateway.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.util.Set;
import org.rmqtt.common.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The bearer token every admin request must carry, read once at start-up; never logged. */
public final class AdminToken {
    private static final Logger LOG = LoggerFactory.getLogger(AdminToken.class);
    private static final String BEARER = "Bearer ";

    private final byte[] token;

    private AdminToken(byte[] token) {
        this.token = token;
    }

    /** Reads the token (the file's first line, trimmed); a missing, unreadable or empty file stops start-up. */
    public static AdminToken read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new ConfigException("admin.tokenFile: cannot read " + file + ": " + e.getMessage());
        }
        int eol = text.indexOf('\n');
        String token = (eol < 0 ? text : text.substring(0, eol)).strip();
        if (token.isEmpty()) {
            throw new ConfigException("admin.tokenFile: " + file + " is empty; it must hold the admin API token");
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.contains(PosixFilePermission.OTHERS_READ)) {
                LOG.warn("admin.tokenFile {} is readable by every user; restrict it (chmod 600)", file);
            }
        } catch (UnsupportedOperationException | IOException e) {
            // Not a POSIX file system: nothing to check.
        }
        return new AdminToken(token.getBytes(StandardCharsets.UTF_8));
    }

    /** Whether an {@code Authorization} header value carries the token; constant time in the token's content. */
    boolean accepts(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return false;
        }
        byte[] given = authorization.substring(BEARER.length()).strip().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(given, token);
    }
}
