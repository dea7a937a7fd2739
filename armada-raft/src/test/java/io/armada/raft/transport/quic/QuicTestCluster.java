package io.armada.raft.transport.quic;

import io.armada.raft.transport.Transport;
import io.armada.raft.transport.tls.SelfSignedCertificates;
import io.armada.raft.transport.tls.TlsMaterial;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Nodes of one test cluster on 127.0.0.1: addresses fixed up front, certificates from one dev authority. */
final class QuicTestCluster implements AutoCloseable {
    static final SelfSignedCertificates AUTHORITY = SelfSignedCertificates.newAuthority("armada-test-ca");
    /** The cluster every node of a test cluster belongs to, unless a test says otherwise. */
    static final String CLUSTER = "armada-test";

    final Map<Long, InetSocketAddress> addresses = new LinkedHashMap<>();
    private final List<QuicTransport> started = new ArrayList<>();

    QuicTestCluster(long... nodeIds) {
        List<InetSocketAddress> ports = FreeUdpPorts.loopback(nodeIds.length);
        for (int i = 0; i < nodeIds.length; i++) {
            addresses.put(nodeIds[i], ports.get(i));
        }
    }

    /** Fast timeouts so tests that wait on reconnects finish quickly. */
    static QuicTransportLimits testLimits() {
        return QuicTransportLimits.defaults()
                .withTimeouts(3_000, 200)
                .withConnectTimeoutMillis(1_000)
                .withReconnectBackoff(20, 200);
    }

    QuicTransportConfig config(long id, TlsMaterial tls, QuicTransportLimits limits) {
        Map<Long, InetSocketAddress> peers = new HashMap<>(addresses);
        peers.remove(id);
        return new QuicTransportConfig(CLUSTER, id, addresses.get(id), peers, tls, limits);
    }

    QuicTransport start(long id, Transport.InboundHandler handler) {
        return start(config(id, AUTHORITY.issueNode(CLUSTER, id), testLimits()), handler);
    }

    QuicTransport start(QuicTransportConfig config, Transport.InboundHandler handler) {
        QuicTransport transport = new QuicTransport(config);
        started.add(transport);
        transport.start(handler);
        return transport;
    }

    @Override
    public void close() {
        started.forEach(QuicTransport::close);
    }
}
