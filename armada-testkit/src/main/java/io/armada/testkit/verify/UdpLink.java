package io.armada.testkit.verify;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;

/**
 * A cuttable UDP path between two nodes' Raft (QUIC) endpoints: the dialing node is configured to
 * reach its peer at {@link #port()}; datagrams are relayed both ways until {@link #cut}, then
 * dropped both ways until {@link #restore}. QUIC sees a lossy path, as in a real partition.
 */
final class UdpLink implements AutoCloseable {
    private static final int MAX_DATAGRAM = 65_535;

    private final DatagramSocket front;
    private final DatagramSocket back;
    private final SocketAddress target;
    private final Thread forward;
    private final Thread backward;
    private volatile SocketAddress dialer;
    private volatile boolean cut;
    private volatile boolean closed;

    /** Relays datagrams sent to a fresh port on 127.0.0.1 to {@code target}, and the answers back. */
    UdpLink(InetSocketAddress target, String name) throws IOException {
        this.target = target;
        this.front = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        this.back = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        front.setSoTimeout(200);
        back.setSoTimeout(200);
        this.forward =
                Thread.ofPlatform().daemon().name("udp-link-" + name + "-out").start(() -> relay(front, true));
        this.backward =
                Thread.ofPlatform().daemon().name("udp-link-" + name + "-in").start(() -> relay(back, false));
    }

    int port() {
        return front.getLocalPort();
    }

    void cut() {
        cut = true;
    }

    void restore() {
        cut = false;
    }

    private void relay(DatagramSocket from, boolean outbound) {
        byte[] buffer = new byte[MAX_DATAGRAM];
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        while (!closed) {
            try {
                packet.setLength(buffer.length);
                from.receive(packet);
                if (outbound) {
                    dialer = packet.getSocketAddress(); // the dialer may redial from a new port
                }
                SocketAddress to = outbound ? target : dialer;
                if (!cut && to != null) {
                    (outbound ? back : front).send(new DatagramPacket(buffer, packet.getLength(), to));
                }
            } catch (SocketTimeoutException e) {
                // check `closed` again
            } catch (IOException e) {
                // a datagram lost on loopback is what UDP allows: keep relaying (the loop ends once closed)
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        forward.join();
        backward.join();
        front.close();
        back.close();
    }
}
