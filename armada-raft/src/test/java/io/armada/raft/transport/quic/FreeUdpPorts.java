package io.armada.raft.transport.quic;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Picks free UDP ports on 127.0.0.1 for a test cluster whose nodes must know each other's
 * addresses before they start. All sockets are held until every port is picked, so the ports differ.
 */
final class FreeUdpPorts {
    private FreeUdpPorts() {}

    static List<InetSocketAddress> loopback(int count) {
        List<DatagramSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                sockets.add(new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
            }
            return sockets.stream()
                    .map(s -> (InetSocketAddress) s.getLocalSocketAddress())
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            sockets.forEach(DatagramSocket::close);
        }
    }
}
