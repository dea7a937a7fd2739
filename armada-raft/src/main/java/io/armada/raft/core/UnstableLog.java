package io.armada.raft.core;

import io.armada.raft.Entry;
import io.armada.raft.SnapshotMeta;
import java.util.ArrayList;
import java.util.List;

/**
 * The tail of the log not yet persisted: entries from {@code offset} on, possibly preceded by a
 * received snapshot not yet installed. Entries below {@code offsetInProgress} were handed out in a
 * Ready that is being persisted; they stay here until advance() confirms them.
 */
final class UnstableLog {
    private SnapshotMeta snapshot;
    private boolean snapshotInProgress;
    private final ArrayList<Entry> entries = new ArrayList<>();
    private long offset;
    private long offsetInProgress;

    UnstableLog(long offset) {
        this.offset = offset;
        this.offsetInProgress = offset;
    }

    long offset() {
        return offset;
    }

    SnapshotMeta snapshot() {
        return snapshot;
    }

    /** First index known here (only when a snapshot is pending), else -1. */
    long maybeFirstIndex() {
        return snapshot == null ? -1 : snapshot.index() + 1;
    }

    /** Last index known here, else -1. */
    long maybeLastIndex() {
        if (!entries.isEmpty()) {
            return offset + entries.size() - 1;
        }
        return snapshot == null ? -1 : snapshot.index();
    }

    /** Term at {@code index} if known here, else -1. */
    long maybeTerm(long index) {
        if (index < offset) {
            return snapshot != null && snapshot.index() == index ? snapshot.term() : -1;
        }
        long last = maybeLastIndex();
        if (last < 0 || index > last) {
            return -1;
        }
        return entries.get((int) (index - offset)).term();
    }

    /** The persisted entries up to (index, term) leave the tail, unless they were overwritten meanwhile. */
    void stableTo(long index, long term) {
        if (index < offset || maybeTerm(index) != term) {
            return; // replaced by a later append before the engine finished; the newer ones come next
        }
        int n = (int) (index + 1 - offset);
        entries.subList(0, n).clear();
        offset = index + 1;
        offsetInProgress = Math.max(offsetInProgress, offset);
    }

    void stableSnapTo(long index) {
        if (snapshot != null && snapshot.index() == index) {
            snapshot = null;
            snapshotInProgress = false;
        }
    }

    /** Replaces the whole log by a received snapshot. */
    void restore(SnapshotMeta meta) {
        entries.clear();
        offset = meta.index() + 1;
        offsetInProgress = offset;
        snapshot = meta;
        snapshotInProgress = false;
    }

    /** Appends {@code ents}, first dropping whatever is at or after their first index. */
    void truncateAndAppend(List<Entry> ents) {
        long from = ents.get(0).index();
        long end = offset + entries.size();
        if (from == end) {
            entries.addAll(ents);
        } else if (from <= offset) {
            // replaces the tail and possibly stable entries too: the engine deletes them when persisting
            entries.clear();
            entries.addAll(ents);
            offset = from;
        } else {
            entries.subList((int) (from - offset), entries.size()).clear();
            entries.addAll(ents);
        }
        offsetInProgress = Math.min(offsetInProgress, from);
    }

    /** Entries [lo, hi) from the tail; the caller guarantees they are here. */
    List<Entry> slice(long lo, long hi) {
        if (lo < offset || hi > offset + entries.size() || lo > hi) {
            throw new IllegalStateException("unstable slice [" + lo + "," + hi + ") outside [" + offset + ","
                    + (offset + entries.size()) + ")");
        }
        return entries.subList((int) (lo - offset), (int) (hi - offset));
    }

    boolean hasEntriesToPersist() {
        return offsetInProgress < offset + entries.size();
    }

    List<Entry> entriesToPersist() {
        int from = (int) Math.max(0, offsetInProgress - offset);
        return List.copyOf(entries.subList(from, entries.size()));
    }

    SnapshotMeta snapshotToPersist() {
        return snapshot != null && !snapshotInProgress ? snapshot : null;
    }

    /** Everything currently here was handed out in a Ready. */
    void acceptInProgress() {
        offsetInProgress = offset + entries.size();
        snapshotInProgress = snapshot != null;
    }
}
