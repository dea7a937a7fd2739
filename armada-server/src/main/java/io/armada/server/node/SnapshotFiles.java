package io.armada.server.node;

import io.armada.raft.ConfState;
import io.armada.raft.SnapshotChunk;
import io.armada.raft.SnapshotMeta;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * One group's snapshot on disk: a data file named by the snapshot's identity
 * ({@code snapshot-<index>-<term>.data}, the bytes Raft ships) and {@code snapshot.meta} (the identity
 * of the current one). Each is written to a temporary file, fsynced and renamed, the directory fsynced
 * after each rename; the meta's rename is the commit point. A crash before it leaves the old meta
 * naming the old data file, which is still there; the new data file is an orphan, removed at open.
 * (With one data file name for every snapshot, a crash between the two renames paired the old
 * identity with the new bytes: a follower sent them would install a state at the wrong index.)
 * Inbound chunks collect in {@code staging.data} until the install.
 */
final class SnapshotFiles {
    private final Path dir;
    private volatile SnapshotMeta latest;

    SnapshotFiles(Path dir) {
        this.dir = dir;
        try {
            io.armada.storage.DurableDirectories.create(dir);
            Path meta = dir.resolve("snapshot.meta");
            latest = Files.exists(meta) ? decodeMeta(Files.readAllBytes(meta)) : SnapshotMeta.EMPTY;
            Path legacy = dir.resolve("snapshot.data"); // the single data file of earlier versions
            if (Files.exists(meta) && Files.exists(legacy) && !Files.exists(dataFile(latest))) {
                Files.move(legacy, dataFile(latest), StandardCopyOption.ATOMIC_MOVE);
                fsync(dir);
            }
            removeDataFilesBut(latest);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open snapshot directory " + dir, e);
        }
    }

    SnapshotMeta latest() {
        return latest;
    }

    void write(SnapshotMeta meta, TableStateMachine.SnapshotWriter writer) throws IOException {
        Path tmp = dir.resolve("snapshot.data.tmp");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp))) {
            writer.writeTo(out);
        }
        publish(meta, tmp);
    }

    /** The data file of snapshot {@code meta}. */
    Path dataFile(SnapshotMeta meta) {
        return dir.resolve("snapshot-" + meta.index() + "-" + meta.term() + ".data");
    }

    /**
     * Moves a complete data file into place under its identity's name, then commits it by renaming
     * its meta over the old one; only then is the old data file deleted.
     */
    private void publish(SnapshotMeta meta, Path data) throws IOException {
        fsync(data);
        Files.move(data, dataFile(meta), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fsync(dir); // the data file's name is durable before any meta names it
        Path metaTmp = dir.resolve("snapshot.meta.tmp");
        Files.write(metaTmp, encodeMeta(meta));
        fsync(metaTmp);
        Files.move(
                metaTmp,
                dir.resolve("snapshot.meta"),
                StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        fsync(dir);
        latest = meta;
        removeDataFilesBut(meta);
    }

    /** Deletes every data file but {@code keep}'s: older snapshots, and orphans of a publish a crash cut short. */
    private void removeDataFilesBut(SnapshotMeta keep) throws IOException {
        try (var files = Files.newDirectoryStream(dir, "snapshot*.data")) {
            for (Path f : files) {
                if (!f.equals(dataFile(keep))) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    SnapshotChunk read(SnapshotMeta meta, long offset, int maxBytes) {
        if (!meta.equals(latest)) {
            return null; // replaced by a newer snapshot: the Raft core restarts with that one
        }
        try (RandomAccessFile f = new RandomAccessFile(dataFile(meta).toFile(), "r")) {
            long size = f.length();
            long from = Math.min(offset, size);
            int length = (int) Math.min(maxBytes, size - from);
            byte[] data = new byte[length];
            f.seek(from);
            f.readFully(data);
            return new SnapshotChunk(meta, offset, data, from + length == size);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read snapshot " + meta + " in " + dir, e);
        }
    }

    void stage(SnapshotChunk chunk) {
        Path staging = dir.resolve("staging.data");
        try {
            if (chunk.offset() == 0) {
                Files.deleteIfExists(staging);
            }
            long size = Files.exists(staging) ? Files.size(staging) : 0;
            if (size != chunk.offset()) {
                throw new IllegalStateException(
                        "snapshot chunk at " + chunk.offset() + " but " + size + " bytes staged");
            }
            try (FileChannel ch = FileChannel.open(
                    staging, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                ch.write(java.nio.ByteBuffer.wrap(chunk.data()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stage a snapshot chunk in " + dir, e);
        }
    }

    /** Makes the staged bytes the latest snapshot {@code meta}; returns the data file to install from. */
    Path commitStaged(SnapshotMeta meta) {
        try {
            publish(meta, dir.resolve("staging.data"));
            return dataFile(meta);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep staged snapshot " + meta + " in " + dir, e);
        }
    }

    private static void fsync(Path path) throws IOException {
        try (FileChannel ch = Files.isDirectory(path)
                ? FileChannel.open(path, StandardOpenOption.READ)
                : FileChannel.open(path, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    private static byte[] encodeMeta(SnapshotMeta meta) throws IOException {
        var bytes = new java.io.ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeLong(meta.index());
        out.writeLong(meta.term());
        writeIds(out, meta.confState().voters());
        writeIds(out, meta.confState().learners());
        return bytes.toByteArray();
    }

    private static void writeIds(DataOutputStream out, java.util.Collection<Long> ids) throws IOException {
        out.writeInt(ids.size());
        for (long id : ids) {
            out.writeLong(id);
        }
    }

    private static SnapshotMeta decodeMeta(byte[] bytes) throws IOException {
        DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes));
        long index = in.readLong();
        long term = in.readLong();
        List<Long> voters = readIds(in);
        List<Long> learners = readIds(in);
        return new SnapshotMeta(index, term, ConfState.of(voters, learners));
    }

    private static List<Long> readIds(DataInputStream in) throws IOException {
        int n = in.readInt();
        List<Long> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ids.add(in.readLong());
        }
        return ids;
    }
}
