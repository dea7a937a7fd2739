package io.armada.raft;

/**
 * The kinds of messages Raft nodes of one group exchange. Field use per type is listed on
 * {@link Message}.
 */
public enum MessageType {
    /** Leader to follower: entries after (logTerm, index), plus the leader's commit index. */
    APPEND,
    /** Follower to leader: accepted up to {@code index}, or rejected with a backtracking hint. */
    APPEND_RESPONSE,
    /** Leader to follower: "I am alive" with a commit index and a ReadIndex round in context. */
    HEARTBEAT,
    /** Follower to leader: echoes the heartbeat's context. */
    HEARTBEAT_RESPONSE,
    /** Would you vote for me at {@code term}? Sent without raising the sender's own term. */
    PRE_VOTE,
    PRE_VOTE_RESPONSE,
    VOTE,
    VOTE_RESPONSE,
    /** Leader to follower: one chunk of a state-machine snapshot. */
    SNAPSHOT,
    /** Follower to leader: the next snapshot byte expected, or a rejection of the transfer. */
    SNAPSHOT_RESPONSE,
    /** Follower to leader: please confirm leadership and tell me a safe read index. */
    READ_INDEX,
    READ_INDEX_RESPONSE,
    /** Leader to its chosen successor: campaign now, ignoring the election timeout and leases. */
    TIMEOUT_NOW
}
