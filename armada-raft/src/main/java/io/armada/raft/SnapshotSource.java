package io.armada.raft;

/**
 * Leader side of snapshot transfer: reads the bytes of a snapshot named by {@link LogReader#snapshot()}
 * chunk by chunk, so a large state machine never sits in memory whole.
 */
@FunctionalInterface
public interface SnapshotSource {

    /**
     * Up to {@code maxBytes} of the snapshot's data from {@code offset}, with {@code last} set on
     * the chunk that ends the data (an empty snapshot is one empty, last chunk). Returns null when
     * that snapshot no longer exists (a newer one replaced it): the core restarts with the newest.
     * The bytes of one meta never change while it exists: a follower combines chunks of several
     * passes of one transfer, and of earlier transfers of the same leader and term.
     */
    SnapshotChunk read(SnapshotMeta meta, long offset, int maxBytes);
}
