package io.armada.raft;

/** Outcome of a request whose answer arrives later (ReadIndex, leadership transfer). */
public sealed interface RequestResult permits RequestResult.Accepted, Rejection {

    /** Taken; for a read, a {@link ReadState} with the same request id comes in a later Ready. */
    record Accepted() implements RequestResult {}

    RequestResult ACCEPTED = new Accepted();
}
