package io.armada.raft.sim;

import io.armada.raft.SnapshotChunk;
import io.armada.raft.SnapshotMeta;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One group's snapshot files on a node, as the server's {@code SnapshotFiles} keeps them:
 * {@code snapshot.data} and {@code snapshot.meta}, each replaced by an fsynced write and a rename
 * (durable at once, data first, then meta), and {@code staging.data}, where inbound chunks are
 * appended without fsync (a crash keeps a random prefix of it).
 */
final class SnapshotFiles {
    /** {@code snapshot.meta}: the latest snapshot's identity. */
    SnapshotMeta meta = SnapshotMeta.EMPTY;
    /** {@code snapshot.data}. */
    byte[] data = SimStateMachine.encode(0, List.of());

    private ByteArrayOutputStream staging = new ByteArrayOutputStream();
    /** Which transfer the staged bytes belong to (the real file does not know; the simulation checks the core never mixes two). */
    private SnapshotMeta stagingMeta;

    /** {@code SnapshotFiles.stage}: a chunk at offset 0 starts over; any other must continue the staged bytes. */
    void stage(SnapshotChunk c) {
        if (c.offset() == 0) {
            staging = new ByteArrayOutputStream();
            stagingMeta = c.meta();
        }
        if (c.offset() != staging.size()) {
            throw new IllegalStateException(
                    "snapshot chunk at " + c.offset() + " but " + staging.size() + " bytes staged");
        }
        if (!c.meta().equals(stagingMeta)) {
            throw new IllegalStateException(
                    "snapshot chunk " + c + " continues the staging of another snapshot, " + stagingMeta);
        }
        staging.writeBytes(c.data());
    }

    /** The staged bytes of {@code meta}, to publish as the latest snapshot. */
    byte[] staged(SnapshotMeta meta) {
        if (!meta.equals(stagingMeta)) {
            throw new IllegalStateException("installing " + meta + " but staged " + stagingMeta);
        }
        return staging.toByteArray();
    }

    /** The staging file is gone once published (it was renamed to {@code snapshot.data}). */
    void stagingPublished() {
        staging = new ByteArrayOutputStream();
        stagingMeta = null;
    }

    /** {@code SnapshotFiles.read}: only the latest snapshot is served. */
    SnapshotChunk read(SnapshotMeta wanted, long offset, int maxBytes) {
        if (!wanted.equals(meta)) {
            return null;
        }
        int from = (int) Math.min(offset, data.length);
        int to = (int) Math.min(data.length, offset + maxBytes);
        return new SnapshotChunk(wanted, offset, Arrays.copyOfRange(data, from, to), to == data.length);
    }

    /** Unsynced staged bytes: a random prefix survives. */
    void crash(SplittableRandom random) {
        byte[] bytes = staging.toByteArray();
        int kept = bytes.length == 0 ? 0 : random.nextInt(bytes.length + 1);
        staging = new ByteArrayOutputStream();
        staging.write(bytes, 0, kept);
        if (kept == 0) {
            stagingMeta = null;
        }
    }
}
