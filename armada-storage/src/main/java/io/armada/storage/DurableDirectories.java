package io.armada.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Creates directories so that they survive a power loss: a new directory's name is an entry of its
 * parent, durable only once the parent is fsynced (POSIX; ext4 without a journal commit in between
 * likewise). RocksDB fsyncs the files inside a database directory and the directory itself, never its
 * parent: without this, a node's freshly created data directory could come back empty after a power
 * cut, and the node would rejoin its cluster as a blank voter.
 */
public final class DurableDirectories {
    private DurableDirectories() {}

    /** {@link Files#createDirectories}, then an fsync of the parent of every directory it created. */
    public static void create(Path dir) throws IOException {
        Path absolute = dir.toAbsolutePath();
        Deque<Path> missing = new ArrayDeque<>();
        for (Path p = absolute; p != null && !Files.isDirectory(p); p = p.getParent()) {
            missing.push(p);
        }
        Files.createDirectories(absolute);
        for (Path created : missing) {
            fsync(created.getParent());
        }
    }

    private static void fsync(Path directory) throws IOException {
        try (FileChannel ch = FileChannel.open(directory, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
