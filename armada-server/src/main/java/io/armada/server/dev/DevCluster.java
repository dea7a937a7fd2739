package io.armada.server.dev;

import io.armada.raft.transport.tls.SelfSignedCertificates;
import io.armada.raft.transport.tls.TlsMaterial;
import io.armada.server.ArmadaServer;
import io.armada.server.config.HostPort;
import io.armada.server.config.ServerConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A whole cluster in one process on 127.0.0.1, for trying Armada out ({@code armada dev}) and for
 * tests: node i serves clients on {@code basePort + i}, Raft on {@code basePort + 10 + i} and
 * metrics on {@code basePort + 20 + i} (so clusters started 100 ports apart never collide), with
 * QUIC certificates from a throwaway authority written under the data directory.
 */
public final class DevCluster implements AutoCloseable {
    private static final String HOST = "127.0.0.1";
    /** Offsets from a cluster's base port: clients at +i, Raft (UDP) at +10+i, metrics at +20+i. */
    public static final int RAFT_PORT_OFFSET = 10;

    public static final int METRICS_PORT_OFFSET = 20;
    public static final int MAX_NODES = 9;

    private final List<ServerConfig> configs;
    private final List<ArmadaServer> servers = new ArrayList<>();

    private DevCluster(List<ServerConfig> configs) {
        this.configs = configs;
    }

    /** Configurations of {@code nodes} members with data under {@code dataDir}/node-i. */
    public static List<ServerConfig> configs(Path dataDir, int nodes, int basePort, ServerConfig.RaftSettings raft) {
        return configs(dataDir, nodes, basePort, raft, false);
    }

    /**
     * As {@link #configs(Path, int, int, ServerConfig.RaftSettings)}; with {@code clientTls} the
     * client API requires mutual TLS with the same throwaway authority ({@code certs/ca.crt}).
     */
    public static List<ServerConfig> configs(
            Path dataDir, int nodes, int basePort, ServerConfig.RaftSettings raft, boolean clientTls) {
        return configs(dataDir, "armada-dev", nodes, basePort, raft, clientTls);
    }

    /** As {@link #configs(Path, int, int, ServerConfig.RaftSettings, boolean)} for a cluster named {@code clusterName}. */
    public static List<ServerConfig> configs(
            Path dataDir,
            String clusterName,
            int nodes,
            int basePort,
            ServerConfig.RaftSettings raft,
            boolean clientTls) {
        if (nodes < 1 || nodes > MAX_NODES) {
            throw new IllegalArgumentException("nodes: " + nodes + " is not between 1 and " + MAX_NODES);
        }
        Path certs = dataDir.resolve("certs");
        SelfSignedCertificates authority = SelfSignedCertificates.newAuthority("armada-dev");
        List<ServerConfig.MemberConfig> members = new ArrayList<>();
        for (int i = 1; i <= nodes; i++) {
            members.add(new ServerConfig.MemberConfig(
                    i, new HostPort(HOST, basePort + i), new HostPort(HOST, basePort + RAFT_PORT_OFFSET + i)));
        }
        List<ServerConfig> out = new ArrayList<>();
        for (int i = 1; i <= nodes; i++) {
            TlsMaterial.PemFiles pem = authority.writeNode(clusterName, i, certs);
            ServerConfig.ClientTlsConfig api = clientTls
                    ? new ServerConfig.ClientTlsConfig(
                            pem.certificateChain(), pem.privateKey(), pem.trustedAuthorities())
                    : null;
            out.add(new ServerConfig(
                    i,
                    dataDir.resolve("node-" + i),
                    clusterName,
                    members,
                    api,
                    new ServerConfig.RaftTlsConfig(pem.certificateChain(), pem.privateKey(), pem.trustedAuthorities()),
                    new HostPort(HOST, basePort + METRICS_PORT_OFFSET + i),
                    raft,
                    null));
        }
        return out;
    }

    /** Starts every node; a fatal storage error in any of them goes to {@code fatal}. */
    public static DevCluster start(Path dataDir, int nodes, int basePort, Consumer<Throwable> fatal) {
        return start(configs(dataDir, nodes, basePort, ServerConfig.RaftSettings.defaults()), fatal);
    }

    /** Starts a node for each configuration. */
    public static DevCluster start(List<ServerConfig> configs, Consumer<Throwable> fatal) {
        DevCluster cluster = new DevCluster(configs);
        try {
            for (ServerConfig c : cluster.configs) {
                cluster.servers.add(ArmadaServer.start(c, fatal));
            }
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /** Waits until every node sees a leader for the catalog and every table; false on timeout. */
    public boolean awaitReady(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (!servers.stream().allMatch(s -> s.node().ready())) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(10); // leaders are published by the engine's workers; there is no event to wait on
        }
        return true;
    }

    public List<ArmadaServer> servers() {
        return List.copyOf(servers);
    }

    /** The client endpoints, {@code host:port} comma-separated, as the CLI's --endpoints takes them. */
    public String endpoints() {
        return String.join(
                ",",
                configs.stream().map(c -> c.self().clientAddress().toString()).toList());
    }

    @Override
    public void close() {
        for (ArmadaServer s : servers.reversed()) {
            s.close();
        }
        servers.clear();
    }
}
