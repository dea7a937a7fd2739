package io.armada.raft;

import java.util.Objects;

/**
 * Identity of a state-machine snapshot: it contains every entry up to and including {@code index},
 * whose term is {@code term}, and the membership as of that index.
 */
public record SnapshotMeta(long index, long term, ConfState confState) {
    public static final SnapshotMeta EMPTY = new SnapshotMeta(0, 0, ConfState.EMPTY);

    public SnapshotMeta {
        Objects.requireNonNull(confState, "confState");
        if (index < 0 || term < 0 || (index > 0) != (term > 0)) {
            throw new IllegalArgumentException("bad snapshot meta index=" + index + " term=" + term);
        }
    }

    public boolean isEmpty() {
        return index == 0;
    }
}
