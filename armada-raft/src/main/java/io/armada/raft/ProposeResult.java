package io.armada.raft;

/** Outcome of {@link RaftGroup#propose}: the position given to the entry, or a {@link Rejection}. */
public sealed interface ProposeResult permits ProposeResult.Proposed, Rejection {

    /**
     * Appended at (term, index). It is committed once a Ready hands out an entry with this index
     * <em>and</em> this term; a committed entry at that index with another term means it was lost.
     */
    record Proposed(long term, long index) implements ProposeResult {}
}
