package io.armada.testkit.verify;

import io.armada.api.v1.ClusterGrpc;
import io.armada.api.v1.StatusRequest;
import io.armada.api.v1.StatusResponse;
import io.armada.api.v1.TableGroupStatus;
import io.armada.server.config.HostPort;
import io.armada.server.config.ServerConfig;
import io.armada.server.dev.DevCluster;
import io.armada.server.dev.FreePorts;
import io.armada.server.ops.Failpoints;
import io.armada.server.process.NodeProcess;
import io.armada.testkit.fuse.LossyFilesystem;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A leader cluster of three node processes on 127.0.0.1 and, optionally, a follower cluster of
 * three more, each node its own JVM: what the fault scenarios kill, pause, cut off, slow down and
 * restart.
 */
final class LocalTopology implements AutoCloseable {
    static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    /** Raft settings of the scenarios: snapshots every 300 entries, so log compaction happens during every run. */
    static final ServerConfig.RaftSettings RAFT = new ServerConfig.RaftSettings(50, 10, 1, 2, 300);
    /**
     * The power-loss scenarios snapshot every 100 entries: every group (the catalog too) has taken
     * local snapshots before the first power cut, so each cut can land after one.
     */
    static final ServerConfig.RaftSettings POWER_LOSS_RAFT = new ServerConfig.RaftSettings(50, 10, 1, 2, 100);
    /**
     * How names become durable on the power-loss scenarios' disks: journaled metadata (ext4-like)
     * unless {@code -Dverify.fs.semantics=STRICT_POSIX} asks for POSIX's strict reading.
     */
    static final LossyFilesystem.Semantics DISK_SEMANTICS = LossyFilesystem.Semantics.valueOf(
            System.getProperty("verify.fs.semantics", LossyFilesystem.Semantics.JOURNALED_METADATA.name()));

    private final List<NodeProcess> leaderClusterNodes = new ArrayList<>();
    private final List<NodeProcess> followerClusterNodes = new ArrayList<>();
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>(); // shared by every client thread
    /** Leader-cluster Raft paths by the pair of node ids (lower first), when partitions are wanted. */
    private final Map<List<Long>, UdpLink> links = new HashMap<>();
    /** The follower cluster's paths to the leader cluster's client endpoints, one per endpoint, when they are to be cut. */
    private final List<TcpProxy> leaderClusterProxies = new ArrayList<>();
    /** Leader-cluster nodes whose synced log writes are slowed until {@link #heal}. */
    private final Set<NodeProcess> slowed = ConcurrentHashMap.newKeySet();
    /**
     * The index of the leader-cluster endpoint the follower cluster's links use, as far as the scenarios
     * know: they start on the first, and each freeze of the one in use moves them to the next.
     */
    private int followerLinkEndpoint;
    /** The filesystems holding the data directories of the nodes that can lose power, by node. */
    private final Map<NodeProcess, LossyFilesystem> disks = new HashMap<>();

    private LocalTopology() {}

    /** The clusters {@code scenario} needs, with the paths it cuts and the failpoints it sets. */
    static LocalTopology start(Path dir, Scenario scenario) throws IOException, InterruptedException {
        LocalTopology t = new LocalTopology();
        try {
            boolean withFollowerCluster = scenario.needsFollowerCluster();
            int base = FreePorts.basePort(3, withFollowerCluster ? 2 : 1);
            ServerConfig.RaftSettings raft =
                    scenario.losesPowerInLeaderCluster() || scenario.losesPowerInFollowerCluster()
                            ? POWER_LOSS_RAFT
                            : RAFT;
            List<ServerConfig> leaderClusterConfigs =
                    DevCluster.configs(dir.resolve("leader"), "verify-leader", 3, base, raft, false);
            // failpoints are compiled into every node but reachable only in a process started with this variable
            Map<String, String> environment =
                    scenario.needsFailpoints() ? Map.of(Failpoints.ENVIRONMENT_VARIABLE, "enabled") : Map.of();
            for (ServerConfig c : leaderClusterConfigs) {
                NodeProcess n = new NodeProcess(
                        scenario.needsLinks() ? t.throughLinks(c) : c, dir.resolve("leader"), environment);
                t.leaderClusterNodes.add(n);
                if (scenario.losesPowerInLeaderCluster()) {
                    t.mountDisk(n, dir.resolve("disks").resolve("leader-" + c.nodeId()));
                }
            }
            if (withFollowerCluster) {
                List<HostPort> endpoints = new ArrayList<>();
                for (ServerConfig c : leaderClusterConfigs) {
                    HostPort e = c.self().clientAddress();
                    if (scenario.needsLeaderClusterProxies()) {
                        TcpProxy proxy = new TcpProxy(e.toSocketAddress(), "leader-" + c.nodeId());
                        t.leaderClusterProxies.add(proxy);
                        e = new HostPort(e.host(), proxy.port());
                    }
                    endpoints.add(e);
                }
                ServerConfig.LeaderCluster of = new ServerConfig.LeaderCluster(endpoints, null, null, null);
                for (ServerConfig c :
                        DevCluster.configs(dir.resolve("follower"), "verify-follower", 3, base + 100, raft, false)) {
                    NodeProcess n = new NodeProcess(c.asFollowerClusterOf(of), dir.resolve("follower"));
                    t.followerClusterNodes.add(n);
                    if (scenario.losesPowerInFollowerCluster()) {
                        t.mountDisk(n, dir.resolve("disks").resolve("follower-" + c.nodeId()));
                    }
                }
            }
            t.heal(); // starts every node
            return t;
        } catch (IOException | InterruptedException | RuntimeException e) {
            t.close();
            throw e;
        }
    }

    /**
     * This node's configuration with every peer of a higher id reached through a link: QUIC
     * connections are dialed from the lower id to the higher, so one link per pair carries all of
     * the pair's traffic.
     */
    private ServerConfig throughLinks(ServerConfig c) throws IOException {
        List<ServerConfig.MemberConfig> members = new ArrayList<>();
        for (ServerConfig.MemberConfig m : c.members()) {
            if (m.id() > c.nodeId()) {
                UdpLink link = new UdpLink(m.raftAddress().toSocketAddress(), c.nodeId() + "-" + m.id());
                links.put(List.of(c.nodeId(), m.id()), link);
                members.add(new ServerConfig.MemberConfig(
                        m.id(), m.clientAddress(), new HostPort(m.raftAddress().host(), link.port())));
            } else {
                members.add(m);
            }
        }
        return new ServerConfig(
                c.nodeId(),
                c.dataDir(),
                c.clusterName(),
                members,
                c.clientTls(),
                c.raftTls(),
                c.metricsAddress(),
                c.raft(),
                c.leaderCluster(),
                c.quotas());
    }

    /** The node's data directory becomes a mount of a lossy filesystem whose contents live in {@code backing}. */
    private void mountDisk(NodeProcess node, Path backing) throws IOException, InterruptedException {
        disks.put(node, LossyFilesystem.mount(backing, node.config().dataDir(), DISK_SEMANTICS));
    }

    /**
     * A power cut of {@code victims} at one moment: their disks freeze first (nothing written
     * after reaches them), then the processes are killed, then each disk loses what was not
     * fsynced. {@link #heal} restarts them on what survived. Returns what was lost, for the report.
     */
    String powerCut(List<NodeProcess> victims) throws IOException, InterruptedException {
        for (NodeProcess n : victims) {
            disk(n).freeze();
        }
        for (NodeProcess n : victims) {
            n.kill();
        }
        long files = 0;
        long bytes = 0;
        long names = 0;
        for (NodeProcess n : victims) {
            LossyFilesystem.PowerCut cut = disk(n).powerCut();
            files += cut.filesReverted();
            bytes += cut.bytesDropped();
            names += cut.namesDropped();
        }
        return String.format("lost unsynced data of %d files, %,d bytes, and %d unsynced names", files, bytes, names);
    }

    private LossyFilesystem disk(NodeProcess node) {
        LossyFilesystem disk = disks.get(node);
        if (disk == null) {
            throw new IllegalStateException(
                    "node " + node.id() + " keeps its data on a plain disk: it cannot lose power");
        }
        return disk;
    }

    /** Cuts every Raft path of leader-cluster node {@code id}: it is alone, the other two are a majority. */
    void isolate(long id) {
        links.forEach((pair, link) -> {
            if (pair.contains(id)) {
                link.cut();
            }
        });
    }

    /** Cuts the follower cluster from the leader cluster: every path to a leader-cluster endpoint is closed and refused. */
    void cutFollowerCluster() {
        if (leaderClusterProxies.isEmpty()) {
            throw new IllegalStateException("the follower cluster reaches the leader cluster directly: nothing to cut");
        }
        leaderClusterProxies.forEach(TcpProxy::cut);
    }

    /** Every synced Raft log write of {@code node} waits {@code millis} more, until {@link #heal}. */
    void slowDisk(NodeProcess node, long millis) throws IOException, InterruptedException {
        slowed.add(node);
        node.setFailpoint(Failpoints.LOG_FSYNC_DELAY, Long.toString(millis));
    }

    List<NodeProcess> leaderClusterNodes() {
        return List.copyOf(leaderClusterNodes);
    }

    /** The leader-cluster node the follower cluster's links use now; {@code moved}: they are about to move to the next. */
    synchronized NodeProcess leaderClusterNodeOfLinks(boolean moved) {
        NodeProcess used = leaderClusterNodes.get(followerLinkEndpoint % leaderClusterNodes.size());
        if (moved) {
            followerLinkEndpoint++;
        }
        return used;
    }

    List<NodeProcess> followerClusterNodes() {
        return List.copyOf(followerClusterNodes);
    }

    List<NodeProcess> all() {
        List<NodeProcess> all = new ArrayList<>(leaderClusterNodes);
        all.addAll(followerClusterNodes);
        return all;
    }

    static String endpoint(NodeProcess n) {
        return n.config().self().clientAddress().toString();
    }

    ManagedChannel channel(NodeProcess n) {
        return channels.computeIfAbsent(
                endpoint(n),
                e -> NettyChannelBuilder.forAddress(
                                n.config().self().clientAddress().host(),
                                n.config().self().clientAddress().port())
                        .usePlaintext()
                        .build());
    }

    /** The leader-cluster node that leads {@code table}'s group, as the first reachable node sees it. */
    Optional<NodeProcess> leaderOf(String table) {
        for (NodeProcess n : leaderClusterNodes) {
            if (!n.isAlive()) {
                continue;
            }
            try {
                StatusResponse s = ClusterGrpc.newBlockingStub(channel(n))
                        .withDeadlineAfter(2, TimeUnit.SECONDS)
                        .status(StatusRequest.getDefaultInstance());
                for (TableGroupStatus g : s.getTablesList()) {
                    long leader = g.getTable().getStatus().getLeaderId();
                    if (g.getTable().getName().equals(table) && leader > 0) {
                        return leaderClusterNodes.stream()
                                .filter(l -> l.id() == leader)
                                .findFirst();
                    }
                }
            } catch (RuntimeException e) {
                // ask the next node
            }
        }
        return Optional.empty();
    }

    /**
     * Restores cut links and paths, gives slowed disks their speed back, resumes paused nodes and
     * restarts killed ones, all at once (a cluster needs a quorum back to elect).
     */
    void heal() throws IOException, InterruptedException {
        links.values().forEach(UdpLink::restore);
        leaderClusterProxies.forEach(TcpProxy::restore);
        for (NodeProcess n : List.copyOf(slowed)) {
            if (n.isAlive()) {
                n.setFailpoint(Failpoints.LOG_FSYNC_DELAY, "0");
            }
            slowed.remove(n); // a restarted process starts with the failpoint off
        }
        List<Thread> starting = new ArrayList<>();
        List<Exception> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (NodeProcess n : all()) {
            if (n.isAlive()) {
                n.resume();
            } else {
                starting.add(Thread.ofVirtual().start(() -> {
                    try {
                        n.start(START_TIMEOUT);
                    } catch (IOException | InterruptedException | RuntimeException e) {
                        failures.add(e);
                    }
                }));
            }
        }
        for (Thread t : starting) {
            t.join();
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException(
                    "a node did not restart: " + failures.getFirst().getMessage(), failures.getFirst());
        }
        // clients dial restarted nodes at once instead of waiting out gRPC's reconnect backoff
        channels.values().forEach(ManagedChannel::resetConnectBackoff);
    }

    @Override
    public void close() {
        channels.values().forEach(ManagedChannel::shutdownNow);
        for (NodeProcess n : all().reversed()) {
            try {
                n.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (TcpProxy proxy : leaderClusterProxies) {
            try {
                proxy.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (UdpLink link : links.values()) {
            try {
                link.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (LossyFilesystem disk : disks.values()) { // after the nodes: a mount in use cannot be unmounted
            try {
                disk.close();
            } catch (IOException | RuntimeException e) {
                System.err.println("cannot unmount " + disk.mountpoint() + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
