package io.armada.raft.engine;

import io.armada.raft.Entry;
import io.armada.raft.SnapshotChunk;
import io.armada.raft.SnapshotMeta;
import io.armada.raft.SnapshotSource;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The replicated state machine of one group (a table, the catalog, a test counter). The engine
 * calls it only from the group's worker thread, in log order.
 *
 * <p>Durability contract: the engine replays committed entries after {@link #appliedIndex()} at
 * start, so an implementation must make each apply's effects and its index durable atomically
 * (the table store writes both in one RocksDB batch) or accept replays idempotently.
 */
public interface GroupStateMachine extends SnapshotSource {

    /** Index of the last entry whose effects are durable; 0 for a new state machine. */
    long appliedIndex();

    /**
     * This node's view of the group's leader changed ({@code 0}: none known, an election is on).
     * Called on the group's worker thread, before the round's committed entries are applied: it must
     * not block.
     */
    default void leaderChanged(long leaderId) {}

    /**
     * Applies one committed entry. For {@code NORMAL} entries the return value is handed to the
     * proposer (may be null); {@code NOOP} and {@code CONF_CHANGE} entries only advance the index.
     * An exception here is a broken invariant and stops the node: replicas must not diverge.
     */
    Object apply(Entry entry);

    /**
     * Applies a run of consecutive committed entries in log order and returns one result per entry,
     * as {@link #apply} would. An implementation may make the whole run durable in one write
     * (the table store does: one RocksDB write per round instead of one per entry); the durability
     * contract then holds for the run as a whole.
     */
    default List<Object> applyAll(List<Entry> entries) {
        List<Object> results = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            results.add(apply(e));
        }
        return results;
    }

    /**
     * As {@link #applyAll(List)}, told which entries a client on this node waits for: only their
     * results are handed out, so a state machine may leave the others' unbuilt (a replica that did
     * not propose an entry answers nobody; building a large read result there only costs memory and
     * time inside the apply). What an entry does to the state must not depend on {@code awaited}:
     * replicas differ in it.
     */
    default List<Object> applyAll(List<Entry> entries, Predicate<Entry> awaited) {
        return applyAll(entries);
    }

    /**
     * Makes every apply so far durable (the table store syncs its WAL). Applies need not be synced
     * one by one, since the Raft log replays what a power loss took; but the engine calls this before
     * it records a snapshot and compacts the log in a synced write: after that the log no longer holds
     * the entries up to the snapshot, so a state machine that lost them would stand before a log that
     * starts after it, and the group could never reopen.
     */
    void syncApplied();

    /**
     * Takes a snapshot of everything applied so far, to send to lagging followers and to compact
     * the log. Returns its identity; {@link #read} must serve its bytes until a newer one exists.
     */
    SnapshotMeta takeSnapshot(SnapshotMeta identity);

    /** The newest snapshot taken or installed, or {@link SnapshotMeta#EMPTY}. */
    SnapshotMeta latestSnapshot();

    /** Stages one chunk of an inbound snapshot; a chunk at offset 0 discards earlier staging. */
    void stageSnapshotChunk(SnapshotChunk chunk);

    /** Replaces the whole state with the staged snapshot {@code meta}, durably and atomically. */
    void installSnapshot(SnapshotMeta meta);

    /** Read a chunk of {@code meta}'s bytes (see {@link SnapshotSource}). */
    @Override
    SnapshotChunk read(SnapshotMeta meta, long offset, int maxBytes);
}
