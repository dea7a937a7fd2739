package io.armada.raft.transport.quic;

import io.armada.raft.transport.tls.NodeIdentity;
import io.armada.raft.transport.tls.TlsMaterial;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a node's {@link QuicTransport} needs: who it is, where it listens, where its peers
 * listen, its TLS identity and its limits.
 *
 * @param clusterName the cluster this node belongs to; its certificate must name it, and so must
 *     every peer's certificate and hello ({@link io.armada.raft.transport.tls.NodeIdentity})
 * @param selfId this node's id; its certificate must name it ({@link io.armada.raft.transport.tls.NodeIdentity})
 * @param bindAddress UDP address to accept connections on (port 0 picks a free one)
 * @param peers every other node of the cluster and the address it accepts on; must not contain selfId
 * @param tls this node's key and certificate chain and the authorities that sign peers' certificates
 * @param limits sizes, queue bounds and timing
 */
public record QuicTransportConfig(
        String clusterName,
        long selfId,
        InetSocketAddress bindAddress,
        Map<Long, InetSocketAddress> peers,
        TlsMaterial tls,
        QuicTransportLimits limits) {

    public QuicTransportConfig {
        try {
            NodeIdentity.requireValidClusterName(clusterName);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("clusterName: " + e.getMessage(), e);
        }
        Objects.requireNonNull(bindAddress, "bindAddress");
        Objects.requireNonNull(peers, "peers");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(limits, "limits");
        if (bindAddress.isUnresolved()) {
            throw new IllegalArgumentException("bindAddress: " + bindAddress + " is unresolved");
        }
        peers = Map.copyOf(peers);
        if (peers.containsKey(selfId)) {
            throw new IllegalArgumentException("peers: contains selfId " + selfId + "; list only the other nodes");
        }
        peers.forEach((id, address) -> {
            if (address.isUnresolved() || address.getPort() == 0) {
                throw new IllegalArgumentException("peers[" + id + "]: " + address + " is unresolved or has port 0");
            }
        });
    }

    /** The same node with other limits. */
    public QuicTransportConfig withLimits(QuicTransportLimits newLimits) {
        return new QuicTransportConfig(clusterName, selfId, bindAddress, peers, tls, newLimits);
    }
}
