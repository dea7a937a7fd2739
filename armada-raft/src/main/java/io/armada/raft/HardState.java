package io.armada.raft;

/**
 * What a node must persist before it sends any message: its term, its vote in that term, and its
 * commit index (the commit index may be persisted without sync; it is re-learnt from the leader).
 *
 * @param vote node id voted for in {@code term}, 0 if none
 */
public record HardState(long term, long vote, long commit) {
    public static final HardState EMPTY = new HardState(0, 0, 0);

    public HardState {
        if (term < 0 || vote < 0 || commit < 0) {
            throw new IllegalArgumentException("negative hard state: " + term + "/" + vote + "/" + commit);
        }
    }
}
