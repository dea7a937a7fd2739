package io.armada.raft;

/** Why the core refused a proposal, read or transfer; each maps to a client-visible status. */
public enum RejectReason {
    /** This node is not the leader; retry at {@link Rejection#leaderHint()} (0 if unknown). */
    NOT_LEADER,
    /** The leader is handing over leadership; retry shortly at the new leader. */
    TRANSFERRING_LEADERSHIP,
    /** The leader holds {@link RaftConfig#maxUncommittedBytes()} of uncommitted entries: back off. */
    UNCOMMITTED_LIMIT,
    /** The proposal's data exceeds {@link RaftConfig#maxEntryBytes()}. */
    ENTRY_TOO_LARGE,
    /** A membership change is still unapplied, or this leader has not committed in its term yet. */
    CONF_CHANGE_PENDING,
    /** The change is not allowed (e.g. it would remove the last voter or touch an unknown node). */
    INVALID_CONF_CHANGE,
    /** {@link RaftConfig#maxPendingReads()} ReadIndex requests are already waiting. */
    READ_QUEUE_FULL,
    /** The node is not a member of the group (removed, or not yet added). */
    NOT_MEMBER
}
