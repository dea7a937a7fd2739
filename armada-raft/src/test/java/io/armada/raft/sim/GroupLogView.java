package io.armada.raft.sim;

import io.armada.raft.Entry;
import io.armada.raft.LogReader;
import io.armada.raft.SnapshotChunk;
import io.armada.raft.SnapshotMeta;
import io.armada.raft.SnapshotSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The core's view of one group on a {@link NodeDisk}: always reads the disk's current state. */
final class GroupLogView implements LogReader, SnapshotSource {
    private final NodeDisk disk;
    private final long groupId;

    GroupLogView(NodeDisk disk, long groupId) {
        this.disk = disk;
        this.groupId = groupId;
    }

    private GroupDiskState s() {
        return disk.group(groupId);
    }

    @Override
    public InitialState initialState() {
        return new InitialState(s().hardState, s().confState);
    }

    @Override
    public long firstIndex() {
        return s().firstIndex;
    }

    @Override
    public long lastIndex() {
        return s().lastIndex();
    }

    @Override
    public long term(long index) {
        return s().term(index);
    }

    @Override
    public List<Entry> entries(long lo, long hi, long maxBytes) {
        GroupDiskState s = s();
        if (lo < s.firstIndex || hi > s.lastIndex() + 1 || lo >= hi) {
            throw new IllegalArgumentException("entries [" + lo + "," + hi + ") outside [" + s.firstIndex + ","
                    + (s.lastIndex() + 1) + ")");
        }
        List<Entry> out = new ArrayList<>();
        long bytes = 0;
        for (long i = lo; i < hi; i++) {
            Entry e = s.entries.get((int) (i - s.firstIndex));
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
        return s().snapshot;
    }

    @Override
    public SnapshotChunk read(SnapshotMeta meta, long offset, int maxBytes) {
        GroupDiskState s = s();
        if (!meta.equals(s.snapshot)) {
            return null;
        }
        byte[] data = s.snapshotData;
        int from = (int) Math.min(offset, data.length);
        int to = (int) Math.min(data.length, offset + maxBytes);
        return new SnapshotChunk(meta, offset, Arrays.copyOfRange(data, from, to), to == data.length);
    }
}
