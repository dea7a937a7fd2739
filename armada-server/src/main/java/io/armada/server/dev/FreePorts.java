package io.armada.server.dev;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Finds a base port whose client (TCP, base+i), Raft (UDP, base+10+i) and metrics (TCP, base+20+i)
 * ports are free on 127.0.0.1 now ({@link DevCluster}'s layout), for tests and local process
 * clusters. Free now is not reserved: a caller that loses a race gets a bind error and can retry.
 */
public final class FreePorts {
    private FreePorts() {}

    public static int basePort(int nodes) {
        return basePort(nodes, 1);
    }

    /** A base port for {@code clusters} clusters 100 ports apart ({@link DevTopology}'s layout). */
    public static int basePort(int nodes, int clusters) {
        for (int attempt = 0; attempt < 200; attempt++) {
            int base = 20_000 + ThreadLocalRandom.current().nextInt(300) * 100;
            boolean free = true;
            for (int k = 0; k < clusters && free; k++) {
                free = allFree(base + 100 * k, nodes);
            }
            if (free) {
                return base;
            }
        }
        throw new IllegalStateException("no free port range found");
    }

    private static boolean allFree(int base, int nodes) {
        for (int i = 1; i <= nodes; i++) {
            if (!tcpFree(base + i)
                    || !udpFree(base + DevCluster.RAFT_PORT_OFFSET + i)
                    || !tcpFree(base + DevCluster.METRICS_PORT_OFFSET + i)) {
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
