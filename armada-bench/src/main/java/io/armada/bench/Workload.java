package io.armada.bench;

/** What each operation of a run does. */
public enum Workload {
    /** A put of a random key. */
    PUT,
    /** A single-key read of a random key (the key space is written once before the run). */
    GET,
    /** A transaction: compare the key's mod revision (always true), then put; the cost of a conditional write. */
    TXN,
    /** Read-heavy: 90 % gets, 10 % puts. */
    MIXED,
    /**
     * Replication lag: puts on the leader cluster at {@code --rate}; each acknowledged write is read
     * back on a follower cluster with {@code min_revision}, and the time from the put's acknowledgement
     * to the follower cluster's answer is the lag.
     */
    LAG,
    /**
     * Writes every key of the key space once ({@code clients × in-flight} at a time) and reports the
     * rate; duration and warm-up are not used. Loads a table of a known size (keys × value size).
     */
    FILL,
    /**
     * Follower-cluster catch-up: reads the leader cluster's revision of each table, then waits until every
     * follower-cluster endpoint has applied it; reports the time from the start of the run (start the run
     * as the follower cluster starts). Armada only.
     */
    CATCHUP
}
