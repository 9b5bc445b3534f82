package org.rmqtt.gateway.auth;

import java.nio.file.Path;

/** A password or ACL file that cannot be used; the message names the file and, where known, the line. */
public final class AuthFileException extends RuntimeException {

    AuthFileException(Path file, int line, String problem) {
        super(file + (line > 0 ? ":" + line : "") + ": " + problem);
    }
}
