package io.armada.raft.core;

import io.armada.raft.Entry;
import io.armada.raft.LogReader;
import io.armada.raft.SnapshotMeta;
import java.util.ArrayList;
import java.util.List;

/**
 * One group's log as the core sees it: the stable part behind {@link LogReader} plus the
 * {@link UnstableLog} tail, with the commit and apply cursors. Invariants (checked, a violation
 * throws IllegalStateException): applied <= committed <= lastIndex, the commit index never
 * decreases, and no committed entry is ever overwritten.
 */
final class RaftLog {
    private final LogReader storage;
    private final UnstableLog unstable;
    private long committed;
    /** Highest index handed out for applying (in a Ready not yet advanced, or applied). */
    private long applying;

    private long applied;

    RaftLog(LogReader storage, long committed, long applied) {
        this.storage = storage;
        this.unstable = new UnstableLog(storage.lastIndex() + 1);
        long first = storage.firstIndex();
        long last = storage.lastIndex();
        if (first < 1 || last < first - 1) {
            throw new IllegalStateException("log reader bounds broken: first=" + first + " last=" + last);
        }
        if (applied < first - 1) {
            throw new IllegalStateException("applied index " + applied + " is below the compacted log (first index "
                    + first + "): the state machine misses a snapshot");
        }
        // a crash may lose an unsynced commit index; what was applied was committed
        this.committed = Math.max(committed, applied);
        if (this.committed > last) {
            throw new IllegalStateException("commit index " + this.committed + " beyond the last stored entry " + last);
        }
        this.applied = applied;
        this.applying = applied;
    }

    LogReader storage() {
        return storage;
    }

    long committed() {
        return committed;
    }

    long applied() {
        return applied;
    }

    long applying() {
        return applying;
    }

    long firstIndex() {
        long u = unstable.maybeFirstIndex();
        return u >= 0 ? u : storage.firstIndex();
    }

    long lastIndex() {
        long u = unstable.maybeLastIndex();
        return u >= 0 ? u : storage.lastIndex();
    }

    /** The last index known to be persisted and still part of this log; 0 if unsure. */
    long lastStableIndex() {
        if (unstable.snapshot() != null) {
            return 0;
        }
        return Math.min(storage.lastIndex(), unstable.offset() - 1);
    }

    /** Term of the entry at {@code index}; -1 if compacted or beyond the end. */
    long term(long index) {
        long ut = unstable.maybeTerm(index);
        if (ut >= 0) {
            return ut;
        }
        if (unstable.snapshot() != null
                || index > lastIndex()
                || index < storage.firstIndex() - 1
                || index > storage.lastIndex()) {
            return -1;
        }
        if (index == 0) {
            return 0;
        }
        return storage.term(index);
    }

    long lastTerm() {
        long t = term(lastIndex());
        if (t < 0) {
            throw new IllegalStateException("term of the last index " + lastIndex() + " unavailable");
        }
        return t;
    }

    boolean matchTerm(long index, long term) {
        long t = term(index);
        return t >= 0 && t == term;
    }

    /** Whether a candidate whose log ends at (lastIndex, lastTerm) is at least as up to date as ours. */
    boolean isUpToDate(long lastIndex, long lastTerm) {
        long ourTerm = lastTerm();
        return lastTerm > ourTerm || (lastTerm == ourTerm && lastIndex >= lastIndex());
    }

    /** Entries from {@code lo} to the end, up to {@code maxBytes} (at least one); null if lo is compacted. */
    List<Entry> entriesFrom(long lo, long maxBytes) {
        if (lo < firstIndex()) {
            return null;
        }
        long hi = lastIndex() + 1;
        if (lo >= hi) {
            return List.of();
        }
        return slice(lo, hi, maxBytes);
    }

    /** Entries [lo, hi) within the log, up to {@code maxBytes} but at least one. */
    List<Entry> slice(long lo, long hi, long maxBytes) {
        if (lo < firstIndex() || hi > lastIndex() + 1 || lo >= hi) {
            throw new IllegalStateException(
                    "slice [" + lo + "," + hi + ") outside the log [" + firstIndex() + "," + (lastIndex() + 1) + ")");
        }
        List<Entry> out = new ArrayList<>();
        long bytes = 0;
        long uOffset = unstable.offset();
        if (lo < uOffset) {
            List<Entry> stable = storage.entries(lo, Math.min(hi, uOffset), maxBytes);
            if (stable.isEmpty()) {
                throw new IllegalStateException(
                        "log reader returned no entries for [" + lo + "," + Math.min(hi, uOffset) + ")");
            }
            for (Entry e : stable) {
                if (e.index() != lo + out.size()) {
                    throw new IllegalStateException(
                            "log reader returned entry " + e.index() + " where " + (lo + out.size()) + " was expected");
                }
                out.add(e);
                bytes += e.sizeBytes();
            }
            if (lo + out.size() < Math.min(hi, uOffset)) {
                return out; // the byte limit stopped the stable part
            }
        }
        if (hi > uOffset) {
            for (Entry e : unstable.slice(Math.max(lo, uOffset), hi)) {
                if (!out.isEmpty() && bytes + e.sizeBytes() > maxBytes) {
                    break;
                }
                out.add(e);
                bytes += e.sizeBytes();
            }
        }
        return out;
    }

    /**
     * Appends a leader's entries after (prevIndex, prevTerm) if our log matches there, and commits
     * up to min(leaderCommit, last new index). Returns the last new index, or -1 on a mismatch.
     */
    long maybeAppend(long prevIndex, long prevTerm, long leaderCommit, List<Entry> entries) {
        if (!matchTerm(prevIndex, prevTerm)) {
            return -1;
        }
        long lastNew = prevIndex + entries.size();
        long conflict = findConflict(entries);
        if (conflict != 0) {
            if (conflict <= committed) {
                throw new IllegalStateException(
                        "entry " + conflict + " conflicts with committed entry (commit " + committed + ")");
            }
            append(entries.subList((int) (conflict - (prevIndex + 1)), entries.size()));
        }
        commitTo(Math.min(leaderCommit, lastNew));
        return lastNew;
    }

    /** First entry whose index is beyond our log or whose term differs from ours; 0 if none. */
    private long findConflict(List<Entry> entries) {
        for (Entry e : entries) {
            if (!matchTerm(e.index(), e.term())) {
                return e.index();
            }
        }
        return 0;
    }

    /**
     * The largest (index, term) at or below {@code index} whose term is at most {@code term}: the
     * best guess of where two logs match, skipping a whole term of divergent entries per probe.
     */
    long[] findConflictByTerm(long index, long term) {
        for (; index > 0; index--) {
            long t = term(index);
            if (t < 0) {
                return new long[] {index, 0}; // compacted: unknown, may match
            }
            if (t <= term) {
                return new long[] {index, t};
            }
        }
        return new long[] {0, 0};
    }

    /** Appends entries (at most overwriting uncommitted ones); returns the new last index. */
    long append(List<Entry> entries) {
        if (entries.isEmpty()) {
            return lastIndex();
        }
        long first = entries.get(0).index();
        if (first <= committed) {
            throw new IllegalStateException(
                    "append at " + first + " would overwrite committed entries (commit " + committed + ")");
        }
        if (first > lastIndex() + 1) {
            throw new IllegalStateException("append at " + first + " leaves a gap after " + lastIndex());
        }
        unstable.truncateAndAppend(entries);
        return lastIndex();
    }

    void commitTo(long index) {
        if (index <= committed) {
            return; // the commit index never decreases
        }
        if (index > lastIndex()) {
            throw new IllegalStateException("commit " + index + " beyond the last index " + lastIndex());
        }
        committed = index;
    }

    /** Commits {@code index} if it is beyond the commit index and holds an entry of {@code term}. */
    boolean maybeCommit(long index, long term) {
        if (index > committed && term(index) == term) {
            commitTo(index);
            return true;
        }
        return false;
    }

    /** Replaces the log by a snapshot received from the leader. */
    void restore(SnapshotMeta meta) {
        if (meta.index() <= committed) {
            throw new IllegalStateException("restoring snapshot " + meta.index() + " at or below commit " + committed);
        }
        unstable.restore(meta);
        committed = meta.index();
    }

    boolean hasNextCommittedEntries() {
        return committed > Math.max(applying, firstIndex() - 1);
    }

    List<Entry> nextCommittedEntries(long maxBytes) {
        long lo = Math.max(applying + 1, firstIndex());
        if (lo > committed) {
            return List.of();
        }
        return List.copyOf(slice(lo, committed + 1, maxBytes));
    }

    boolean hasUnstableToPersist() {
        return unstable.hasEntriesToPersist() || unstable.snapshotToPersist() != null;
    }

    List<Entry> unstableEntriesToPersist() {
        return unstable.entriesToPersist();
    }

    SnapshotMeta unstableSnapshotToPersist() {
        return unstable.snapshotToPersist();
    }

    /** Everything returned by the *ToPersist methods and the committed entries up to {@code applyingTo} were handed out. */
    void acceptReady(long applyingTo) {
        unstable.acceptInProgress();
        if (applyingTo > applying) {
            applying = applyingTo;
        }
    }

    void stableTo(long index, long term) {
        unstable.stableTo(index, term);
    }

    void stableSnapTo(SnapshotMeta meta) {
        unstable.stableSnapTo(meta.index());
        appliedTo(meta.index());
    }

    void appliedTo(long index) {
        if (index <= applied) {
            return;
        }
        if (index > committed) {
            throw new IllegalStateException("applied " + index + " beyond commit " + committed);
        }
        applied = index;
        applying = Math.max(applying, index);
    }
}
