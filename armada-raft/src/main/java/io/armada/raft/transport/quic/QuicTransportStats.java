package io.armada.raft.transport.quic;

import java.util.Map;

/**
 * A snapshot of a {@link QuicTransport}'s counters.
 *
 * @param peers counters per peer id
 * @param rejectedConnections connections closed because the peer's certificate named no node, an
 *     unknown node, the wrong node, or a node that should have been dialed instead of dialing
 * @param protocolViolations connections closed because the peer broke the wire format (bad stream
 *     header, frame over {@code maxFrameBytes})
 */
public record QuicTransportStats(Map<Long, PeerStats> peers, long rejectedConnections, long protocolViolations) {
    public QuicTransportStats {
        peers = Map.copyOf(peers);
    }

    /** The counters of {@code peerId}; fails for a node that is not a configured peer. */
    public PeerStats peer(long peerId) {
        PeerStats stats = peers.get(peerId);
        if (stats == null) {
            throw new IllegalArgumentException("node " + peerId + " is not a peer");
        }
        return stats;
    }
}
