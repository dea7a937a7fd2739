package io.armada.raft.sim;

import io.armada.raft.ConfState;
import io.armada.raft.Entry;
import io.armada.raft.HardState;
import io.armada.raft.SnapshotMeta;
import java.util.ArrayList;
import java.util.List;

/**
 * What the node's Raft log store holds for one group, as {@code LogStore} keeps it: hard state
 * with membership, the stored entries, and the snapshot identity the engine recorded. Like the
 * engine's {@code StoredLog}, a compacted entry's term is gone unless it is the snapshot's.
 */
final class LogState {
    HardState hardState;
    ConfState confState;
    /** Index of {@code entries.get(0)}; meaningless while no entry is stored. */
    long firstStored;

    ArrayList<Entry> entries = new ArrayList<>();
    /** The log store's snapshot record; null when none was written. */
    SnapshotMeta snapshot;
    /**
     * The entry just before the first, when it is not the snapshot's, and its term: what
     * {@code LogReader} promises stays readable, and {@code StoredLog} loses.
     */
    long compactedIndex = -1;

    long compactedTerm;

    LogState copy() {
        LogState c = new LogState();
        c.hardState = hardState;
        c.confState = confState;
        c.firstStored = firstStored;
        c.entries = new ArrayList<>(entries);
        c.snapshot = snapshot;
        c.compactedIndex = compactedIndex;
        c.compactedTerm = compactedTerm;
        return c;
    }

    SnapshotMeta snapshotOrEmpty() {
        return snapshot == null ? SnapshotMeta.EMPTY : snapshot;
    }

    boolean isFresh() {
        return hardState == null && entries.isEmpty() && snapshot == null;
    }

    /** {@code LogStore.lastIndex}: the last stored entry, 0 when none is. */
    long lastStored() {
        return entries.isEmpty() ? 0 : firstStored + entries.size() - 1;
    }

    /** {@code StoredLog.firstIndex}. */
    long firstIndex() {
        return entries.isEmpty() ? snapshotOrEmpty().index() + 1 : firstStored;
    }

    /** {@code StoredLog.lastIndex}. */
    long lastIndex() {
        return entries.isEmpty() ? snapshotOrEmpty().index() : lastStored();
    }

    /** {@code StoredLog.term}: throws outside the stored entries and the snapshot, as the engine does. */
    long term(long index) {
        if (index == 0) {
            return 0;
        }
        if (index == snapshotOrEmpty().index()) {
            return snapshot.term();
        }
        if (entries.isEmpty() || index < firstStored || index > lastStored()) {
            throw new IllegalStateException(
                    "term of " + index + " asked outside the stored log [" + firstIndex() + ", " + lastIndex() + "]");
        }
        return entries.get((int) (index - firstStored)).term();
    }

    /** {@code LogStore.term}: the term of a stored entry, -1 for any other index. */
    long storedTerm(long index) {
        return entries.isEmpty() || index < firstStored || index > lastStored()
                ? -1
                : entry(index).term();
    }

    /** The term {@code LogReader} promises: also of the entry before the first when it was compacted. */
    long promisedTerm(long index) {
        return index == compactedIndex && index == firstIndex() - 1 ? compactedTerm : term(index);
    }

    /** Records a snapshot identity; the term before the first entry stays known (promisedTerm). */
    void recordSnapshot(SnapshotMeta meta) {
        if (!entries.isEmpty() && compactedIndex != firstStored - 1) {
            compactedTerm = promisedTerm(firstStored - 1);
            compactedIndex = firstStored - 1;
        }
        snapshot = meta;
    }

    Entry entry(long index) {
        return entries.get((int) (index - firstStored));
    }

    /** {@code LogStore.Batch.append}: replaces any stored suffix from the first index on. */
    void append(List<Entry> ents) {
        long first = ents.get(0).index();
        if (entries.isEmpty()) {
            firstStored = first;
        } else if (first < firstStored) {
            throw new IllegalStateException("append at " + first + " below the first stored index " + firstStored);
        } else if (first > lastStored() + 1) {
            throw new IllegalStateException("append at " + first + " leaves a hole after " + lastStored());
        }
        while (!entries.isEmpty() && lastStored() >= first) {
            entries.removeLast();
        }
        if (entries.isEmpty()) {
            firstStored = first;
        }
        entries.addAll(ents);
    }

    /** {@code LogStore.Batch.compact}: drops entries through {@code through}; all of them at or past the last. */
    void compact(long through) {
        if (entries.isEmpty() || through < firstStored) {
            return;
        }
        if (through >= lastStored()) {
            entries = new ArrayList<>();
            compactedIndex = -1;
            return;
        }
        compactedTerm = promisedTerm(through);
        compactedIndex = through;
        entries = new ArrayList<>(entries.subList((int) (through + 1 - firstStored), entries.size()));
        firstStored = through + 1;
    }
}
