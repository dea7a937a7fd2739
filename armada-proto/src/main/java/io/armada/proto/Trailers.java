package io.armada.proto;

import io.grpc.Metadata;

/** The response trailers a node adds to a failure status, read by clients to decide what to do next. */
public final class Trailers {
    /** On UNAVAILABLE: the client address of the table group's leader, when the node knows it. */
    public static final Metadata.Key<String> LEADER_HINT =
            Metadata.Key.of("armada-leader", Metadata.ASCII_STRING_MARSHALLER);

    /**
     * On UNAVAILABLE: the request was refused before anything was proposed (no leader, not the
     * leader, leader unreachable before sending), so a write may be sent again to another node. An
     * UNAVAILABLE without it may hide a write that applied (a lost connection, a leadership change
     * while the entry was in flight), and a client must not resend the write blindly.
     */
    public static final Metadata.Key<String> NOT_APPLIED =
            Metadata.Key.of("armada-not-applied", Metadata.ASCII_STRING_MARSHALLER);

    private Trailers() {}

    /**
     * Whether a failed call certainly did not take effect, so sending it to another node cannot
     * apply it twice: the node said so ({@link #NOT_APPLIED}), or no connection to it could be made.
     */
    public static boolean certainlyNotApplied(Throwable failure) {
        Metadata trailers = io.grpc.Status.trailersFromThrowable(failure);
        if (trailers != null && trailers.containsKey(NOT_APPLIED)) {
            return true;
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof java.net.ConnectException) {
                return true;
            }
        }
        return false;
    }
}
