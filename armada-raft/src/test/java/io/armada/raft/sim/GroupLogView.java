package io.armada.raft.sim;

import io.armada.raft.Entry;
import io.armada.raft.LogReader;
import io.armada.raft.SnapshotChunk;
import io.armada.raft.SnapshotMeta;
import io.armada.raft.SnapshotSource;
import java.util.ArrayList;
import java.util.List;

/**
 * The core's view of one group on a {@link NodeDisk}, wired as the engine wires it: the log (as
 * {@code StoredLog} reads the log store, snapshot identity included) and, as the snapshot source,
 * the state machine's snapshot files. Always reads the disk's current state.
 */
final class GroupLogView implements LogReader, SnapshotSource {
    private final NodeDisk disk;
    private final long groupId;
    private final boolean keepsCompactedTerm;

    /** @param keepsCompactedTerm whether the term of {@code firstIndex() - 1} stays readable after a compaction */
    GroupLogView(NodeDisk disk, long groupId, boolean keepsCompactedTerm) {
        this.disk = disk;
        this.groupId = groupId;
        this.keepsCompactedTerm = keepsCompactedTerm;
    }

    private LogState s() {
        return disk.log(groupId);
    }

    @Override
    public InitialState initialState() {
        LogState s = s();
        if (s.hardState == null) {
            return new InitialState(
                    io.armada.raft.HardState.EMPTY, s.snapshotOrEmpty().confState());
        }
        return new InitialState(s.hardState, s.confState);
    }

    @Override
    public long firstIndex() {
        return s().firstIndex();
    }

    @Override
    public long lastIndex() {
        return s().lastIndex();
    }

    @Override
    public long term(long index) {
        return keepsCompactedTerm ? s().promisedTerm(index) : s().term(index);
    }

    @Override
    public List<Entry> entries(long lo, long hi, long maxBytes) {
        LogState s = s();
        if (s.entries.isEmpty() || lo < s.firstStored || hi > s.lastStored() + 1 || lo >= hi) {
            throw new IllegalStateException("group " + groupId + ": entries [" + lo + ", " + hi + ") not stored");
        }
        List<Entry> out = new ArrayList<>();
        long bytes = 0;
        for (long i = lo; i < hi; i++) {
            Entry e = s.entry(i);
            if (!out.isEmpty() && bytes + e.sizeBytes() > maxBytes) {
                break;
            }
            out.add(e);
            bytes += e.sizeBytes();
        }
        return out;
    }

    @Override
    public SnapshotMeta snapshot() {
        return s().snapshotOrEmpty();
    }

    @Override
    public SnapshotChunk read(SnapshotMeta meta, long offset, int maxBytes) {
        return disk.files(groupId).read(meta, offset, maxBytes);
    }
}
