package io.armada.raft;

import java.util.List;

/**
 * What the core reads of one group's <em>stable</em> (persisted) log; the engine implements it
 * over its log store, the simulation over memory. Entries the core has handed out in a Ready
 * become visible here once the engine persisted them, before {@link RaftGroup#advance} is called.
 * Called only from the thread driving the group. Compaction (dropping entries covered by a
 * snapshot) happens outside the core and simply moves {@link #firstIndex()}.
 */
public interface LogReader {

    /** Hard state and membership persisted last; {@link HardState#EMPTY} and an empty conf for a new node. */
    InitialState initialState();

    /**
     * Index of the first entry still stored; {@code lastIndex() + 1} when none is. The term of
     * {@code firstIndex() - 1} stays readable through {@link #term} (0 for index 0).
     */
    long firstIndex();

    /** Index of the last persisted entry; {@code firstIndex() - 1} when none is stored. */
    long lastIndex();

    /** Term of the entry at {@code index}, for {@code firstIndex() - 1 <= index <= lastIndex()}. */
    long term(long index);

    /**
     * Entries {@code [lo, hi)} with {@code firstIndex() <= lo < hi <= lastIndex() + 1}, stopping once
     * their {@link Entry#sizeBytes()} would exceed {@code maxBytes} but always at least one.
     */
    List<Entry> entries(long lo, long hi, long maxBytes);

    /**
     * The newest state-machine snapshot that can be sent to a lagging follower, or
     * {@link SnapshotMeta#EMPTY}. Its index is at least {@code firstIndex() - 1} whenever entries
     * have been compacted, so every compacted entry is covered by it.
     */
    SnapshotMeta snapshot();

    /** Persisted state of a group at open. */
    record InitialState(HardState hardState, ConfState confState) {}
}
