package org.rmqtt.meta.server;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.impl.FileListSnapshotInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the meta state lives on a peer, under Ratis's state machine directory {@code sm/}:
 * <pre>
 * sm/db/                              the live RocksDB
 * sm/snapshots/snapshot.TERM_INDEX/   RocksDB checkpoints, one directory per snapshot
 * sm/tmp/                             where Ratis receives a snapshot sent by the leader
 * </pre>
 * Ratis sends the files of {@link #getLatestSnapshot} to a lagging peer and, once all arrived,
 * replaces that peer's whole {@code snapshots/} directory with them; the live db is untouched
 * until the state machine restores from the new snapshot.
 */
final class SnapshotStore implements StateMachineStorage {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotStore.class);
    private static final Pattern NAME = Pattern.compile("snapshot\\.(\\d+)_(\\d+)");
    /** Written by Ratis beside each received file; not part of the RocksDB checkpoint. */
    static final String MD5_SUFFIX = ".md5";

    private volatile Path smDir;
    private volatile Path snapshotDir;
    private volatile Path tmpDir;
    private volatile SnapshotInfo latest;

    @Override
    public void init(RaftStorage raftStorage) throws IOException {
        smDir = raftStorage.getStorageDir().getStateMachineDir().toPath();
        snapshotDir = smDir.resolve("snapshots");
        tmpDir = smDir.resolve("tmp");
        Files.createDirectories(snapshotDir);
        Files.createDirectories(tmpDir);
        refresh();
    }

    Path liveDbDir() {
        return smDir.resolve("db");
    }

    Path snapshotPath(TermIndex termIndex) {
        return snapshotDir.resolve("snapshot." + termIndex.getTerm() + "_" + termIndex.getIndex());
    }

    /** Rescans the snapshot directory: after taking a snapshot and after Ratis installed one. */
    void refresh() throws IOException {
        latest = scan();
    }

    @Override
    public SnapshotInfo getLatestSnapshot() {
        return latest;
    }

    private SnapshotInfo scan() throws IOException {
        Path best = null;
        TermIndex bestIndex = null;
        for (Path dir : snapshotDirs()) {
            TermIndex termIndex = termIndex(dir);
            if (bestIndex == null || termIndex.getIndex() > bestIndex.getIndex()) {
                best = dir;
                bestIndex = termIndex;
            }
        }
        if (best == null) {
            return null;
        }
        List<FileInfo> files = new ArrayList<>();
        for (Path file : snapshotFiles(best)) {
            // No digest: Ratis computes it while sending and the receiver checks it.
            files.add(new FileInfo(file, null));
        }
        if (files.isEmpty()) {
            throw new IOException("Meta snapshot " + best + " is empty; the peer's snapshot data is damaged");
        }
        return new FileListSnapshotInfo(files, bestIndex);
    }

    /** The RocksDB files of a snapshot directory, without Ratis's digest files. */
    static List<Path> snapshotFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(Files::isRegularFile)
                    .filter(f -> !f.getFileName().toString().endsWith(MD5_SUFFIX))
                    .sorted()
                    .toList();
        }
    }

    private List<Path> snapshotDirs() throws IOException {
        try (Stream<Path> dirs = Files.list(snapshotDir)) {
            return dirs.filter(Files::isDirectory).filter(d -> NAME.matcher(d.getFileName().toString()).matches())
                    .toList();
        }
    }

    private static TermIndex termIndex(Path dir) {
        Matcher m = NAME.matcher(dir.getFileName().toString());
        if (!m.matches()) {
            throw new IllegalArgumentException(dir + " is not a snapshot directory");
        }
        return TermIndex.valueOf(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
    }

    @Override
    public void format() {
        // Nothing to format: directories are created on init.
    }

    @Override
    public void cleanupOldSnapshots(SnapshotRetentionPolicy policy) throws IOException {
        int keep = policy.getNumSnapshotsRetained();
        if (keep <= 0) {
            return;
        }
        List<Path> dirs = new ArrayList<>(snapshotDirs());
        dirs.sort(Comparator.comparingLong((Path d) -> termIndex(d).getIndex()).reversed());
        for (Path old : dirs.subList(Math.min(keep, dirs.size()), dirs.size())) {
            LOG.debug("Deleting old meta snapshot {}", old);
            deleteRecursively(old);
        }
    }

    @Override
    public File getSnapshotDir() {
        return snapshotDir.toFile();
    }

    @Override
    public File getTmpDir() {
        return tmpDir.toFile();
    }

    static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
