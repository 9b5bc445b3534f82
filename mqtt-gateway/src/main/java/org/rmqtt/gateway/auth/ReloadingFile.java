package org.rmqtt.gateway.auth;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A file parsed at start-up (a problem stops it) and again when its modification time or size
 * changed and then stayed the same for one more look; the new content replaces the old at once. A reload that fails keeps the old content and
 * WARNs once per change, naming the file and line.
 */
final class ReloadingFile<T> {
    private static final Logger LOG = LoggerFactory.getLogger(ReloadingFile.class);

    /** Turns the file's lines into a value; AuthFileException names the bad line. */
    interface Parser<T> {
        T parse(Path file, List<String> lines);
    }

    private final Path file;
    private final String what;
    private final Parser<T> parser;
    private final boolean secret;
    private final AtomicReference<T> current = new AtomicReference<>();
    /** modification time and size of the last version read, good or bad. */
    private String lastSeen;
    /** A changed stamp seen once, read when the next look sees it again. */
    private String settling;

    /**
     * @param secret whether the file holds secrets: a WARN when others may read it
     * @throws AuthFileException when the file is missing or bad
     */
    ReloadingFile(Path file, String what, boolean secret, Parser<T> parser) {
        this.file = file;
        this.what = what;
        this.parser = parser;
        this.secret = secret;
        lastSeen = stamp();
        current.set(read());
        LOG.info("Loaded the {} {}", what, file);
    }

    T current() {
        return current.get();
    }

    Path file() {
        return file;
    }

    /** Re-reads the file if it changed since the last look; on a scheduler thread, never an event loop. */
    void checkForChange() {
        String stamp = stamp();
        if (Objects.equals(stamp, lastSeen)) {
            settling = null;
            return;
        }
        if (!Objects.equals(stamp, settling)) {
            // Changed since the last look: read it once it stays the same for one more look, so a
            // file being written in place is not read half-written.
            settling = stamp;
            return;
        }
        settling = null;
        lastSeen = stamp;
        try {
            current.set(read());
            LOG.info("Reloaded the {} {}", what, file);
        } catch (AuthFileException e) {
            LOG.warn("Kept the previous {}: {}", what, e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("Kept the previous {}: {}: {}", what, file, e.toString());
        }
    }

    private T read() {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new AuthFileException(file, 0, "cannot read the " + what + ": " + e);
        }
        if (secret) {
            warnIfWorldReadable(file, what);
        }
        return parser.parse(file, lines);
    }

    private String stamp() {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return a.lastModifiedTime().toMillis() + "/" + a.lastModifiedTime() + "/" + a.size();
        } catch (IOException e) {
            return "missing";
        }
    }

    /** A WARN when others than the owner and group may read {@code file}; nothing on a non-POSIX file system. */
    static void warnIfWorldReadable(Path file, String what) {
        PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
        if (view == null) {
            return;
        }
        try {
            if (view.readAttributes().permissions().contains(PosixFilePermission.OTHERS_READ)) {
                LOG.warn("The {} {} is readable by every user of this machine; restrict it, e.g. chmod 600 {}", what, file, file);
            }
        } catch (IOException e) {
            LOG.debug("Could not read the permissions of {}: {}", file, e.toString());
        }
    }
}
