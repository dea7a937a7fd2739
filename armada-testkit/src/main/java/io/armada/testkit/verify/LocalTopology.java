package io.armada.testkit.verify;

import io.armada.api.v1.ClusterGrpc;
import io.armada.api.v1.StatusRequest;
import io.armada.api.v1.StatusResponse;
import io.armada.api.v1.TableGroupStatus;
import io.armada.server.config.ServerConfig;
import io.armada.server.dev.DevCluster;
import io.armada.server.dev.FreePorts;
import io.armada.server.process.NodeProcess;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A leader cluster of three node processes on 127.0.0.1 and, optionally, a follower cluster of
 * three more, each node its own JVM: what the fault scenarios kill, pause and restart.
 */
final class LocalTopology implements AutoCloseable {
    static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    /** Raft settings of the scenarios: snapshots every 300 entries, so log compaction happens during every run. */
    static final ServerConfig.RaftSettings RAFT = new ServerConfig.RaftSettings(50, 10, 1, 2, 300);

    private final List<NodeProcess> leaders = new ArrayList<>();
    private final List<NodeProcess> followers = new ArrayList<>();
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>(); // shared by every client thread
    /** Leader-cluster Raft paths by the pair of node ids (lower first), when partitions are wanted. */
    private final Map<List<Long>, UdpLink> links = new HashMap<>();

    private LocalTopology() {}

    /**
     * @param cuttable whether the leader cluster's Raft traffic goes through {@link UdpLink}s that
     *     {@link #isolate} can cut
     */
    static LocalTopology start(Path dir, boolean withFollower, boolean cuttable)
            throws IOException, InterruptedException {
        LocalTopology t = new LocalTopology();
        try {
            int base = FreePorts.basePort(3, withFollower ? 2 : 1);
            List<ServerConfig> leaderConfigs = DevCluster.configs(dir.resolve("leader"), "verify-leader", 3, base, RAFT, false);
            for (ServerConfig c : leaderConfigs) {
                t.leaders.add(new NodeProcess(cuttable ? t.throughLinks(c) : c, dir.resolve("leader")));
            }
            if (withFollower) {
                ServerConfig.FollowerOf of = new ServerConfig.FollowerOf(
                        leaderConfigs.stream().map(c -> c.self().clientAddress()).toList(), null, null, null);
                for (ServerConfig c : DevCluster.configs(dir.resolve("follower"), "verify-follower", 3, base + 100,
                        RAFT, false)) {
                    t.followers.add(new NodeProcess(c.asFollowerOf(of), dir.resolve("follower")));
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
                members.add(new ServerConfig.MemberConfig(m.id(), m.clientAddress(),
                        new io.armada.server.config.HostPort(m.raftAddress().host(), link.port())));
            } else {
                members.add(m);
            }
        }
        return new ServerConfig(c.nodeId(), c.dataDir(), c.clusterName(), members, c.clientTls(), c.raftTls(),
                c.metricsAddress(), c.raft(), c.followerOf());
    }

    /** Cuts every Raft path of leader-cluster node {@code id}: it is alone, the other two are a majority. */
    void isolate(long id) {
        links.forEach((pair, link) -> {
            if (pair.contains(id)) {
                link.cut();
            }
        });
    }

    List<NodeProcess> leaders() {
        return List.copyOf(leaders);
    }

    List<NodeProcess> followers() {
        return List.copyOf(followers);
    }

    List<NodeProcess> all() {
        List<NodeProcess> all = new ArrayList<>(leaders);
        all.addAll(followers);
        return all;
    }

    static String endpoint(NodeProcess n) {
        return n.config().self().clientAddress().toString();
    }

    ManagedChannel channel(NodeProcess n) {
        return channels.computeIfAbsent(endpoint(n), e -> NettyChannelBuilder.forAddress(
                n.config().self().clientAddress().host(), n.config().self().clientAddress().port()).usePlaintext().build());
    }

    /** The leader-cluster node that leads {@code table}'s group, as the first reachable node sees it. */
    Optional<NodeProcess> leaderOf(String table) {
        for (NodeProcess n : leaders) {
            if (!n.isAlive()) {
                continue;
            }
            try {
                StatusResponse s = ClusterGrpc.newBlockingStub(channel(n)).withDeadlineAfter(2, TimeUnit.SECONDS)
                        .status(StatusRequest.getDefaultInstance());
                for (TableGroupStatus g : s.getTablesList()) {
                    long leader = g.getTable().getStatus().getLeaderId();
                    if (g.getTable().getName().equals(table) && leader > 0) {
                        return leaders.stream().filter(l -> l.id() == leader).findFirst();
                    }
                }
            } catch (RuntimeException e) {
                // ask the next node
            }
        }
        return Optional.empty();
    }

    /** Restores cut links, resumes paused nodes and restarts killed ones, all at once (a cluster needs a quorum back to elect). */
    void heal() throws IOException, InterruptedException {
        links.values().forEach(UdpLink::restore);
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
            throw new IllegalStateException("a node did not restart: " + failures.getFirst().getMessage(), failures.getFirst());
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
        for (UdpLink link : links.values()) {
            try {
                link.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
