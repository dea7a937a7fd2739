package io.armada.raft.engine;

import io.armada.raft.ConfState;
import io.armada.raft.Entry;
import io.armada.raft.EntryType;
import io.armada.raft.HardState;
import io.armada.raft.LogReader;
import io.armada.raft.SnapshotMeta;
import io.armada.raft.log.LogStore;
import io.armada.raft.log.StoredEntry;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;

/**
 * One group's view of the node's shared {@link LogStore}: the core's {@link LogReader}, and the
 * encodings of what the engine stores for the group (entry payloads, hard state with membership,
 * snapshot identity).
 */
final class StoredLog implements LogReader {
    private final long groupId;
    private final LogStore store;
    private SnapshotMeta snapshot;

    StoredLog(long groupId, LogStore store) {
        this.groupId = groupId;
        this.store = store;
        byte[] meta = store.snapshotMeta(groupId);
        this.snapshot = meta == null ? SnapshotMeta.EMPTY : decodeSnapshotMeta(meta);
    }

    /** Called once the batch recording a new snapshot identity is written. */
    void snapshotPersisted(SnapshotMeta meta) {
        this.snapshot = meta;
    }

    @Override
    public InitialState initialState() {
        byte[] state = store.hardState(groupId);
        if (state == null) {
            return new InitialState(HardState.EMPTY, snapshot.confState());
        }
        ByteBuffer b = ByteBuffer.wrap(state);
        HardState hs = new HardState(b.getLong(), b.getLong(), b.getLong());
        return new InitialState(hs, readConf(b));
    }

    /**
     * The first entry the core may read. {@link LogReader} promises the term of the entry before it:
     * that is the snapshot's term when the log starts right after the snapshot; when compaction kept
     * entries behind the snapshot (it keeps {@code compactionRetainEntries}), the store knows no term
     * before its first entry, so that entry only anchors the term and the log starts after it. (Before,
     * a leader whose follower was exactly that far behind asked for the unknown term and stopped its
     * node: simulation seed 9 of the {@code stored-log-as-is} model.)
     */
    @Override
    public long firstIndex() {
        long first = store.firstIndex(groupId);
        if (first == 0) {
            return snapshot.index() + 1;
        }
        return first - 1 == snapshot.index() ? first : first + 1;
    }

    @Override
    public long lastIndex() {
        long last = store.lastIndex(groupId);
        return last == 0 ? snapshot.index() : last;
    }

    @Override
    public long term(long index) {
        if (index == 0) {
            return 0;
        }
        if (index == snapshot.index()) {
            return snapshot.term();
        }
        long term = store.term(groupId, index);
        if (term < 0) {
            throw new IllegalStateException("group " + groupId + ": term of " + index
                    + " asked outside the stored log [" + firstIndex() + ", " + lastIndex() + "]");
        }
        return term;
    }

    @Override
    public List<Entry> entries(long lo, long hi, long maxBytes) {
        List<StoredEntry> stored = store.entries(groupId, lo, hi, maxBytes);
        if (stored.isEmpty() || stored.get(0).index() != lo) {
            throw new IllegalStateException("group " + groupId + ": entries [" + lo + ", " + hi + ") not stored");
        }
        List<Entry> out = new ArrayList<>(stored.size());
        for (StoredEntry s : stored) {
            out.add(decodeEntry(s));
        }
        return out;
    }

    @Override
    public SnapshotMeta snapshot() {
        return snapshot;
    }

    static byte[] encodeEntry(Entry e) {
        byte[] data = e.data();
        return ByteBuffer.allocate(1 + data.length)
                .put(e.type().code())
                .put(data)
                .array();
    }

    static Entry decodeEntry(StoredEntry s) {
        byte[] p = s.payload();
        byte[] data = new byte[p.length - 1];
        System.arraycopy(p, 1, data, 0, data.length);
        return new Entry(s.term(), s.index(), EntryType.ofCode(p[0]), data);
    }

    static byte[] encodeHardState(HardState hs, ConfState conf) {
        ByteBuffer b = ByteBuffer.allocate(3 * Long.BYTES + confBytes(conf));
        b.putLong(hs.term()).putLong(hs.vote()).putLong(hs.commit());
        writeConf(b, conf);
        return b.array();
    }

    static byte[] encodeSnapshotMeta(SnapshotMeta meta) {
        ByteBuffer b = ByteBuffer.allocate(2 * Long.BYTES + confBytes(meta.confState()));
        b.putLong(meta.index()).putLong(meta.term());
        writeConf(b, meta.confState());
        return b.array();
    }

    static SnapshotMeta decodeSnapshotMeta(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        long index = b.getLong();
        long term = b.getLong();
        return new SnapshotMeta(index, term, readConf(b));
    }

    private static int confBytes(ConfState conf) {
        return 2 * Integer.BYTES + (conf.voters().size() + conf.learners().size()) * Long.BYTES;
    }

    private static void writeConf(ByteBuffer b, ConfState conf) {
        writeIds(b, conf.voters());
        writeIds(b, conf.learners());
    }

    private static void writeIds(ByteBuffer b, SortedSet<Long> ids) {
        b.putInt(ids.size());
        ids.forEach(b::putLong);
    }

    private static ConfState readConf(ByteBuffer b) {
        return ConfState.of(readIds(b), readIds(b));
    }

    private static List<Long> readIds(ByteBuffer b) {
        int n = b.getInt();
        if (n < 0 || n > 1024) {
            throw new IllegalStateException("corrupt membership record: " + n + " ids");
        }
        List<Long> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ids.add(b.getLong());
        }
        return ids;
    }
}
