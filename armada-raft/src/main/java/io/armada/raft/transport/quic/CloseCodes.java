package io.armada.raft.transport.quic;

/** QUIC application error codes this transport closes connections with. */
final class CloseCodes {
    /** Orderly close: the transport is shutting down. */
    static final int NORMAL = 0;
    /** The peer broke the wire format (bad header, frame over the limit). */
    static final int PROTOCOL_VIOLATION = 1;
    /** The peer's certificate names no node, a node not in the configuration, or the wrong node. */
    static final int IDENTITY_REJECTED = 2;
    /** A newer connection from the same peer replaced this one. */
    static final int REPLACED = 3;
    /**
     * The peer belongs to another cluster: its certificate or its hello names a cluster name other
     * than this node's {@code cluster-name}.
     */
    static final int CLUSTER_MISMATCH = 4;

    private CloseCodes() {}
}
