package io.armada.raft.engine;

import io.armada.raft.Entry;
import io.armada.raft.EntryType;
import io.armada.raft.SnapshotChunk;
import io.armada.raft.SnapshotMeta;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A test state machine that records the data of every NORMAL entry in order. Its state lives in
 * memory and is rebuilt from the log on restart; snapshots are files, so compaction and snapshot
 * transfer work as they do for real tables.
 */
final class RecordingStateMachine implements GroupStateMachine {
    private final Path dir;
    private final List<String> applied = Collections.synchronizedList(new ArrayList<>());
    private volatile long appliedIndex;
    private volatile SnapshotMeta latest = SnapshotMeta.EMPTY;
    private ByteArrayOutputStream staging = new ByteArrayOutputStream();
    private final java.util.concurrent.atomic.AtomicInteger installs = new java.util.concurrent.atomic.AtomicInteger();

    RecordingStateMachine(Path dir) {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
            Path snap = dir.resolve("snapshot");
            if (Files.exists(snap)) {
                loadSnapshot(Files.readAllBytes(snap));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private final List<String> awaited = Collections.synchronizedList(new ArrayList<>());

    /** The data of the entries the engine said a proposer on this node waits for. */
    List<String> awaited() {
        synchronized (awaited) {
            return List.copyOf(awaited);
        }
    }

    @Override
    public List<Object> applyAll(List<Entry> entries, java.util.function.Predicate<Entry> isAwaited) {
        for (Entry e : entries) {
            if (isAwaited.test(e)) {
                awaited.add(new String(e.data(), java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        return applyAll(entries);
    }

    /** Snapshots received from a leader and installed. */
    int installs() {
        return installs.get();
    }

    List<String> applied() {
        synchronized (applied) {
            return List.copyOf(applied);
        }
    }

    @Override
    public void syncApplied() {
        // state in memory only, rebuilt from the log and the snapshot file at start
    }

    @Override
    public long appliedIndex() {
        return appliedIndex;
    }

    @Override
    public Object apply(Entry entry) {
        if (entry.type() == EntryType.NORMAL) {
            applied.add(new String(entry.data(), java.nio.charset.StandardCharsets.UTF_8));
        }
        appliedIndex = entry.index();
        return entry.index();
    }

    @Override
    public SnapshotMeta takeSnapshot(SnapshotMeta identity) {
        if (identity.index() != appliedIndex) {
            throw new IllegalStateException("snapshot at " + identity.index() + " but applied " + appliedIndex);
        }
        writeSnapshotFile(encode(identity, applied()));
        latest = identity;
        return identity;
    }

    @Override
    public SnapshotMeta latestSnapshot() {
        return latest;
    }

    @Override
    public SnapshotChunk read(SnapshotMeta meta, long offset, int maxBytes) {
        if (!meta.equals(latest)) {
            return null;
        }
        try {
            byte[] all = Files.readAllBytes(dir.resolve("snapshot"));
            int from = (int) Math.min(offset, all.length);
            int to = (int) Math.min(all.length, (long) from + maxBytes);
            byte[] chunk = java.util.Arrays.copyOfRange(all, from, to);
            return new SnapshotChunk(meta, offset, chunk, to == all.length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stageSnapshotChunk(SnapshotChunk chunk) {
        if (chunk.offset() == 0) {
            staging = new ByteArrayOutputStream();
        }
        if (chunk.offset() != staging.size()) {
            throw new IllegalStateException("snapshot chunk at " + chunk.offset() + " but staged " + staging.size());
        }
        staging.writeBytes(chunk.data());
    }

    @Override
    public void installSnapshot(SnapshotMeta meta) {
        byte[] bytes = staging.toByteArray();
        writeSnapshotFile(bytes);
        loadSnapshot(bytes);
        installs.incrementAndGet();
        if (!latest.equals(meta)) {
            throw new IllegalStateException("installed " + latest + " but expected " + meta);
        }
    }

    private void writeSnapshotFile(byte[] bytes) {
        try {
            Path tmp = dir.resolve("snapshot.tmp");
            Files.write(tmp, bytes);
            Files.move(
                    tmp, dir.resolve("snapshot"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] encode(SnapshotMeta meta, List<String> values) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            DataOutputStream d = new DataOutputStream(out);
            byte[] metaBytes = StoredLog.encodeSnapshotMeta(meta);
            d.writeInt(metaBytes.length);
            d.write(metaBytes);
            d.writeInt(values.size());
            for (String v : values) {
                d.writeUTF(v);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void loadSnapshot(byte[] bytes) {
        try {
            DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes));
            byte[] metaBytes = new byte[in.readInt()];
            in.readFully(metaBytes);
            SnapshotMeta meta = StoredLog.decodeSnapshotMeta(metaBytes);
            int n = in.readInt();
            List<String> values = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                values.add(in.readUTF());
            }
            synchronized (applied) {
                applied.clear();
                applied.addAll(values);
            }
            appliedIndex = meta.index();
            latest = meta;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
