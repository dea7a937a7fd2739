package io.armada.raft;

import java.util.Objects;

/** A refused request, with the reason and, for {@link RejectReason#NOT_LEADER}, where to go instead. */
public record Rejection(RejectReason reason, long leaderHint) implements ProposeResult, RequestResult {
    public Rejection {
        Objects.requireNonNull(reason, "reason");
    }
}
