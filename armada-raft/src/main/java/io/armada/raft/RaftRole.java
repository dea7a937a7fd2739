package io.armada.raft;

/** The role a node plays in one Raft group. A learner is a {@link #FOLLOWER} that never campaigns. */
public enum RaftRole {
    FOLLOWER,
    /** Asking for pre-votes: it has not raised its term yet, so it cannot disrupt a healthy leader. */
    PRE_CANDIDATE,
    CANDIDATE,
    LEADER
}
