package io.armada.raft.bench;

import io.armada.raft.transport.Transport;
import io.armada.raft.transport.quic.QuicTransport;
import io.armada.raft.transport.quic.QuicTransportConfig;
import io.armada.raft.transport.quic.QuicTransportLimits;
import io.armada.raft.transport.tls.SelfSignedCertificates;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Real QUIC transports for nodes in one JVM: a throwaway CA, one certificate per node, loopback UDP ports. */
final class QuicTransports {
    private QuicTransports() {}

    static List<Transport> create(List<Long> nodeIds, Path dataDir, List<AutoCloseable> toClose) throws IOException {
        SelfSignedCertificates authority = SelfSignedCertificates.newAuthority("armada-bench");
        Map<Long, InetSocketAddress> addresses = new HashMap<>();
        for (long id : nodeIds) {
            addresses.put(id, new InetSocketAddress(InetAddress.getLoopbackAddress(), freeUdpPort()));
        }
        List<Transport> transports = new ArrayList<>();
        for (long id : nodeIds) {
            Map<Long, InetSocketAddress> peers = new HashMap<>(addresses);
            peers.remove(id);
            QuicTransport t = new QuicTransport(new QuicTransportConfig(
                    "armada-bench",
                    id,
                    addresses.get(id),
                    peers,
                    authority.issueNode("armada-bench", id),
                    QuicTransportLimits.defaults()));
            transports.add(t);
            toClose.add(t);
        }
        return transports;
    }

    /** A UDP port free right now; the transport binds it moments later (a test-only race, retried by the caller). */
    static int freeUdpPort() throws IOException {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
