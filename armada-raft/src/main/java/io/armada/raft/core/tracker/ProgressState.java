package io.armada.raft.core.tracker;

/** How a leader replicates to one follower. */
public enum ProgressState {
    /** Next index unknown: one APPEND per heartbeat interval until a response locates the match. */
    PROBE,
    /** Follower keeps up: APPENDs are pipelined within the inflight window. */
    REPLICATE,
    /** Follower needs entries that were compacted: a snapshot is streamed in chunks. */
    SNAPSHOT
}
