package io.armada.server;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/** Finds a base port whose client (TCP, base+i), Raft (UDP, base+100+i) and metrics (TCP, base+200+i) ports are free now. */
public final class FreePorts {
    private FreePorts() {}

    public static int basePort(int nodes) {
        for (int attempt = 0; attempt < 200; attempt++) {
            int base = 20_000 + ThreadLocalRandom.current().nextInt(300) * 100;
            if (allFree(base, nodes)) {
                return base;
            }
        }
        throw new IllegalStateException("no free port range found");
    }

    private static boolean allFree(int base, int nodes) {
        for (int i = 1; i <= nodes; i++) {
            if (!tcpFree(base + i) || !udpFree(base + 100 + i) || !tcpFree(base + 200 + i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean tcpFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean udpFree(int port) {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
