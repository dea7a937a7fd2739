package io.armada.testkit.verify;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A cuttable TCP path to one endpoint (a leader-cluster node's client port, which follower-cluster
 * nodes pull the log from and forward writes to): the follower cluster is configured to reach the
 * endpoint at {@link #port()}; bytes are relayed both ways until {@link #cut}, which closes every
 * relayed connection (the peers see a reset) and refuses new ones (accepted and reset at once)
 * until {@link #restore}. At most {@link #MAX_CONNECTIONS} connections, two threads and two
 * {@link #BUFFER_BYTES} buffers each; more are refused as during a cut.
 */
final class TcpProxy implements AutoCloseable {
    static final int MAX_CONNECTIONS = 32;
    static final int BUFFER_BYTES = 64 * 1024;
    static final int CONNECT_TIMEOUT_MILLIS = 2_000;

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final String name;
    private final Thread acceptor;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private volatile boolean cut;
    private volatile boolean closed;

    /** Relays connections made to a fresh port on 127.0.0.1 to {@code target}. */
    TcpProxy(InetSocketAddress target, String name) throws IOException {
        this.target = target;
        this.name = name;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = Thread.ofPlatform().daemon().name("tcp-proxy-" + name).start(this::accept);
    }

    int port() {
        return server.getLocalPort();
    }

    /** Closes every relayed connection and refuses new ones until {@link #restore}. */
    void cut() {
        cut = true;
        connections.forEach(Connection::close);
    }

    void restore() {
        cut = false;
    }

    private void accept() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                continue; // closed (the loop ends) or a failed accept (try again)
            }
            if (cut || connections.size() >= MAX_CONNECTIONS) {
                reset(client);
                continue;
            }
            Connection c = new Connection(client);
            connections.add(c);
            if (cut) {
                c.close(); // cut() ran between the check above and the add: it did not see this one
            } else {
                c.start();
            }
        }
    }

    /** Closes with an RST rather than a FIN: the peer learns at once that the path is gone. */
    private static void reset(Socket socket) {
        try (socket) {
            socket.setSoLinger(true, 0);
        } catch (IOException e) {
            // closed already
        }
    }

    /** One relayed connection: the client's socket, the socket to the target, a thread per direction. */
    private final class Connection {
        private final Socket client;
        private final Socket upstream = new Socket();
        private final List<Thread> threads = new ArrayList<>(2);

        Connection(Socket client) {
            this.client = client;
        }

        void start() {
            Thread out = Thread.ofPlatform()
                    .daemon()
                    .name("tcp-proxy-" + name + "-out")
                    .unstarted(() -> {
                        try {
                            upstream.connect(target, CONNECT_TIMEOUT_MILLIS);
                        } catch (IOException e) {
                            close(); // the target is down: so is the path
                            return;
                        }
                        Thread in = Thread.ofPlatform()
                                .daemon()
                                .name("tcp-proxy-" + name + "-in")
                                .unstarted(() -> pump(upstream, client));
                        synchronized (threads) {
                            threads.add(in);
                        }
                        in.start();
                        pump(client, upstream);
                    });
            synchronized (threads) {
                threads.add(out);
            }
            out.start();
        }

        private void pump(Socket from, Socket to) {
            byte[] buffer = new byte[BUFFER_BYTES];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buffer)) >= 0 && !cut) {
                    out.write(buffer, 0, n);
                }
            } catch (IOException e) {
                // either side closed or reset
            }
            close(); // one direction ended: gRPC has no use for a half-open HTTP/2 connection
        }

        void close() {
            reset(client);
            reset(upstream);
            connections.remove(this);
        }

        void join() throws InterruptedException {
            List<Thread> copy;
            synchronized (threads) {
                copy = List.copyOf(threads);
            }
            for (Thread t : copy) {
                t.join(5_000);
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // nothing more to release
        }
        acceptor.join(5_000);
        List<Connection> open = List.copyOf(connections);
        open.forEach(Connection::close);
        for (Connection c : open) {
            c.join();
        }
    }
}
