package io.armada.raft.engine;

/**
 * Why the engine could not carry out a request. The kinds map one to one onto what a client is
 * told: retry elsewhere, slow down, or the outcome is unknown.
 */
public final class RaftException extends RuntimeException {
    /** What went wrong, as a caller needs to act on it. */
    public enum Kind {
        /** This node is not the group's leader; {@link #leaderHint()} names it when known. */
        NOT_LEADER,
        /** A bounded queue is full; retry later. */
        OVERLOADED,
        /** The group does not exist on this node. */
        NO_SUCH_GROUP,
        /** The entry may or may not have been committed (leadership changed, log replaced). */
        OUTCOME_UNKNOWN,
        /** The request itself is not acceptable (entry too large, impossible membership change). */
        INVALID,
        /** The engine is stopped (shutdown or a fatal storage error). */
        STOPPED
    }

    private final Kind kind;
    private final long leaderHint;

    public RaftException(Kind kind, String message, long leaderHint) {
        super(message, null, false, false);
        this.kind = kind;
        this.leaderHint = leaderHint;
    }

    public RaftException(Kind kind, String message) {
        this(kind, message, 0);
    }

    public Kind kind() {
        return kind;
    }

    /** Node id of the group's leader as this node knows it; 0 when unknown. */
    public long leaderHint() {
        return leaderHint;
    }
}
