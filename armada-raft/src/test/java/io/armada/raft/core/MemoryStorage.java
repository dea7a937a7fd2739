package io.armada.raft.core;

import io.armada.raft.Bootstrap;
import io.armada.raft.ConfState;
import io.armada.raft.Entry;
import io.armada.raft.HardState;
import io.armada.raft.LogReader;
import io.armada.raft.Ready;
import io.armada.raft.SnapshotChunk;
import io.armada.raft.SnapshotMeta;
import io.armada.raft.SnapshotSource;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** An in-memory stable log, snapshot store and snapshot staging area, following the Ready contract. */
final class MemoryStorage implements LogReader, SnapshotSource {
    HardState hardState = HardState.EMPTY;
    ConfState confState = ConfState.EMPTY;
    private long firstIndex = 1;
    private long compactedTerm;
    final ArrayList<Entry> entries = new ArrayList<>();
    SnapshotMeta snapshot = SnapshotMeta.EMPTY;
    byte[] snapshotData = new byte[0];
    private ByteArrayOutputStream staging = new ByteArrayOutputStream();
    int snapshotReads;

    static MemoryStorage bootstrap(List<Long> voters) {
        MemoryStorage s = new MemoryStorage();
        Bootstrap b = Bootstrap.of(voters);
        s.hardState = b.hardState();
        s.confState = b.confState();
        s.entries.addAll(b.entries());
        return s;
    }

    void persist(Ready rd) {
        for (SnapshotChunk c : rd.snapshotChunks()) {
            if (c.offset() == 0) {
                staging = new ByteArrayOutputStream();
            }
            if (c.offset() != staging.size()) {
                throw new IllegalStateException("chunk at " + c.offset() + " but staged " + staging.size());
            }
            staging.writeBytes(c.data());
        }
        if (rd.snapshot() != null) {
            SnapshotMeta m = rd.snapshot();
            snapshot = m;
            snapshotData = staging.toByteArray();
            entries.clear();
            firstIndex = m.index() + 1;
            compactedTerm = m.term();
            confState = m.confState();
        }
        if (!rd.entries().isEmpty()) {
            long first = rd.entries().get(0).index();
            if (first < firstIndex || first > lastIndex() + 1) {
                throw new IllegalStateException(
                        "append at " + first + " outside [" + firstIndex + "," + (lastIndex() + 1) + "]");
            }
            while (lastIndex() >= first) {
                entries.remove(entries.size() - 1);
            }
            entries.addAll(rd.entries());
        }
        if (rd.hardState() != null) {
            hardState = rd.hardState();
        }
        if (rd.confState() != null) {
            confState = rd.confState();
        }
    }

    /** Takes a snapshot of the state machine at {@code index} and drops the log up to {@code compactTo}. */
    void snapshotAndCompact(long index, ConfState conf, byte[] data, long compactTo) {
        snapshot = new SnapshotMeta(index, term(index), conf);
        snapshotData = data;
        compact(compactTo);
    }

    void compact(long index) {
        if (index < firstIndex - 1 || index > lastIndex()) {
            throw new IllegalArgumentException("compact " + index);
        }
        long t = term(index);
        entries.subList(0, (int) (index + 1 - firstIndex)).clear();
        firstIndex = index + 1;
        compactedTerm = t;
    }

    @Override
    public InitialState initialState() {
        return new InitialState(hardState, confState);
    }

    @Override
    public long firstIndex() {
        return firstIndex;
    }

    @Override
    public long lastIndex() {
        return firstIndex + entries.size() - 1;
    }

    @Override
    public long term(long index) {
        if (index == firstIndex - 1) {
            return compactedTerm;
        }
        if (index < firstIndex || index > lastIndex()) {
            throw new IllegalArgumentException(
                    "term(" + index + ") outside [" + (firstIndex - 1) + "," + lastIndex() + "]");
        }
        return entries.get((int) (index - firstIndex)).term();
    }

    @Override
    public List<Entry> entries(long lo, long hi, long maxBytes) {
        if (lo < firstIndex || hi > lastIndex() + 1 || lo >= hi) {
            throw new IllegalArgumentException("entries [" + lo + "," + hi + ")");
        }
        List<Entry> out = new ArrayList<>();
        long bytes = 0;
        for (long i = lo; i < hi; i++) {
            Entry e = entries.get((int) (i - firstIndex));
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
        return snapshot;
    }

    @Override
    public SnapshotChunk read(SnapshotMeta meta, long offset, int maxBytes) {
        if (!meta.equals(snapshot)) {
            return null;
        }
        snapshotReads++;
        int from = (int) Math.min(offset, snapshotData.length);
        int to = (int) Math.min(snapshotData.length, offset + maxBytes);
        return new SnapshotChunk(meta, offset, Arrays.copyOfRange(snapshotData, from, to), to == snapshotData.length);
    }
}
