package io.armada.server.config;

import io.armada.raft.transport.tls.NodeIdentity;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Everything one node of a leader or a follower cluster needs, as loaded from YAML by {@link ConfigLoader}
 * (kebab-case keys) and validated here; every error names the field. A node listens on the client
 * and Raft addresses its own {@link MemberConfig} gives.
 *
 * @param nodeId this node's id; must appear in {@code members}
 * @param dataDir where the node keeps its Raft log, tables and snapshots
 * @param clusterName a name shared by every node of the cluster (its id in response headers is derived from it);
 *     1 to 63 letters, digits, '.', '_' or '-'. Every node's Raft certificate names it
 *     ({@code urn:armada:cluster:<name>}), and nodes refuse Raft peers of another cluster
 * @param members every node of the cluster, this one included (3 or 5 for fault tolerance; 1 for a toy)
 * @param clientTls TLS of the client API; null serves plaintext
 * @param raftTls the certificate of this node for QUIC (always TLS) and the authority of its peers
 * @param metricsAddress host:port of the /metrics, /healthz and /readyz HTTP endpoint; null disables it
 * @param raft timing and sizing of the node's Raft engine
 * @param leaderCluster the leader cluster, on the nodes of a follower cluster; null on the leader cluster (key
 *     {@code leader-cluster}; the old name {@code follower-of} is still read, see {@link ConfigLoader#RENAMED_KEYS})
 * @param quotas what clients may create; null takes {@link Quotas#defaults()}
 */
public record ServerConfig(
        long nodeId,
        Path dataDir,
        String clusterName,
        List<MemberConfig> members,
        ClientTlsConfig clientTls,
        RaftTlsConfig raftTls,
        HostPort metricsAddress,
        RaftSettings raft,
        LeaderCluster leaderCluster,
        Quotas quotas) {

    public ServerConfig {
        Objects.requireNonNull(dataDir, "data-dir: required");
        if (clusterName == null || clusterName.isBlank()) {
            clusterName = "armada";
        }
        try {
            NodeIdentity.requireValidClusterName(clusterName);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("cluster-name", e.getMessage());
        }
        if (members == null || members.isEmpty()) {
            throw new ConfigException("members", "at least one member is required");
        }
        members = List.copyOf(members);
        Set<Long> ids = new HashSet<>();
        for (int i = 0; i < members.size(); i++) {
            if (!ids.add(members.get(i).id())) {
                throw new ConfigException(
                        "members[" + i + "].id",
                        "duplicate id " + members.get(i).id());
            }
        }
        if (!ids.contains(nodeId)) {
            throw new ConfigException("node-id", nodeId + " is not one of the members " + ids);
        }
        Objects.requireNonNull(raftTls, "raft-tls: required (QUIC always runs TLS 1.3)");
        raft = raft == null ? RaftSettings.defaults() : raft;
        quotas = quotas == null ? Quotas.defaults() : quotas;
    }

    /** A configuration as on the leader cluster, with the default quotas. */
    public ServerConfig(
            long nodeId,
            Path dataDir,
            String clusterName,
            List<MemberConfig> members,
            ClientTlsConfig clientTls,
            RaftTlsConfig raftTls,
            HostPort metricsAddress,
            RaftSettings raft,
            LeaderCluster leaderCluster) {
        this(nodeId, dataDir, clusterName, members, clientTls, raftTls, metricsAddress, raft, leaderCluster, null);
    }

    /** A copy of this configuration with {@code quotas}. */
    public ServerConfig withQuotas(Quotas quotas) {
        return new ServerConfig(
                nodeId, dataDir, clusterName, members, clientTls, raftTls, metricsAddress, raft, leaderCluster, quotas);
    }

    /**
     * Limits on what clients may create. Each table is a Raft group on every node, with its ticks,
     * heartbeats and files, so an unbounded number lets any client exhaust the nodes (issue 14 #9).
     *
     * @param maxTables tables the cluster holds at most; a create beyond is RESOURCE_EXHAUSTED. Checked by
     *     the member that proposes the create against its catalog, so creates in flight together may pass
     *     it by a few; set it alike on every node
     */
    public record Quotas(int maxTables) {
        public Quotas {
            if (maxTables < 1 || maxTables > 1_000_000) {
                throw new ConfigException("quotas.max-tables", maxTables + " is outside 1..1000000");
            }
        }

        public static Quotas defaults() {
            return new Quotas(io.armada.proto.Limits.DEFAULT_MAX_TABLES);
        }
    }

    /** Whether this node belongs to a follower cluster (it replicates from {@link #leaderCluster}). */
    public boolean isFollowerCluster() {
        return leaderCluster != null;
    }

    /** A copy of this configuration as a node of a follower cluster of {@code leader}. */
    public ServerConfig asFollowerClusterOf(LeaderCluster leader) {
        return new ServerConfig(
                nodeId, dataDir, clusterName, members, clientTls, raftTls, metricsAddress, raft, leader, quotas);
    }

    /**
     * Present on the nodes of a follower cluster: the leader cluster's client API endpoints (any
     * of its nodes; several for failover), and the TLS files to reach them when it serves TLS.
     */
    public record LeaderCluster(List<HostPort> endpoints, Path caFile, Path certFile, Path keyFile) {
        public LeaderCluster {
            if (endpoints == null || endpoints.isEmpty()) {
                throw new ConfigException(
                        "leader-cluster.endpoints", "at least one host:port of the leader cluster is required");
            }
            endpoints = List.copyOf(endpoints);
            if ((certFile == null) != (keyFile == null)) {
                throw new ConfigException("leader-cluster.cert-file", "cert-file and key-file are given together");
            }
        }
    }

    /** This node's own member entry. */
    public MemberConfig self() {
        return member(nodeId);
    }

    public MemberConfig member(long id) {
        return members.stream()
                .filter(m -> m.id() == id)
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no member " + id));
    }

    /** A stable 64-bit id of the cluster for response headers, derived from its name. */
    public long clusterId() {
        long h = 0xcbf29ce484222325L;
        for (byte b : clusterName.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            h = (h ^ b) * 0x100000001b3L;
        }
        return h & Long.MAX_VALUE;
    }

    /**
     * One node of the cluster.
     *
     * @param clientAddress host:port of its gRPC client API (writes are forwarded here too)
     * @param raftAddress host:port of its QUIC Raft endpoint (UDP)
     */
    public record MemberConfig(long id, HostPort clientAddress, HostPort raftAddress) {
        public MemberConfig {
            if (id <= 0) {
                throw new ConfigException("id", id + " must be positive");
            }
            Objects.requireNonNull(clientAddress, "client-address: required");
            Objects.requireNonNull(raftAddress, "raft-address: required");
        }
    }

    /** Client API TLS: the server's certificate and key; with {@code clientCaFile} clients must present certificates (mutual TLS). */
    public record ClientTlsConfig(Path certFile, Path keyFile, Path clientCaFile) {
        public ClientTlsConfig {
            Objects.requireNonNull(certFile, "cert-file: required");
            Objects.requireNonNull(keyFile, "key-file: required");
        }
    }

    /**
     * QUIC TLS: this node's certificate chain and key and the peers' authority. The certificate
     * names the node id and the cluster in subject alternative name URIs {@code urn:armada:node:<id>}
     * and {@code urn:armada:cluster:<cluster-name>}.
     */
    public record RaftTlsConfig(Path certFile, Path keyFile, Path caFile) {
        public RaftTlsConfig {
            Objects.requireNonNull(certFile, "cert-file: required");
            Objects.requireNonNull(keyFile, "key-file: required");
            Objects.requireNonNull(caFile, "ca-file: required");
        }
    }

    /**
     * How the node runs Raft.
     *
     * @param tickMillis one Raft tick; elections take {@code electionTicks} to {@code 2 * electionTicks} of them
     * @param workerThreads engine threads driving all groups of the node
     * @param snapshotThresholdEntries entries applied to a table between snapshots (and log compactions)
     */
    public record RaftSettings(
            long tickMillis, int electionTicks, int heartbeatTicks, int workerThreads, long snapshotThresholdEntries) {
        public RaftSettings {
            range("raft.tick-millis", tickMillis, 1, 10_000);
            range("raft.election-ticks", electionTicks, 2, 1_000);
            range("raft.heartbeat-ticks", heartbeatTicks, 1, electionTicks - 1);
            range("raft.worker-threads", workerThreads, 1, 256);
            range("raft.snapshot-threshold-entries", snapshotThresholdEntries, 1, Long.MAX_VALUE);
        }

        public static RaftSettings defaults() {
            return new RaftSettings(50, 10, 1, 2, 100_000);
        }

        private static void range(String field, long value, long min, long max) {
            if (value < min || value > max) {
                throw new ConfigException(field, value + " is outside " + min + ".." + max);
            }
        }
    }
}
