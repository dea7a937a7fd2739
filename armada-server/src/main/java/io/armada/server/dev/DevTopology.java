package io.armada.server.dev;

import io.armada.server.config.HostPort;
import io.armada.server.config.ServerConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * {@code armada dev}'s whole topology in one process: a leader cluster and {@code followerClusters}
 * follower clusters replicating from it, every cluster {@code nodes} strong. Cluster k (0 is the
 * leader cluster) takes the ports from {@code basePort + 100·k}: node i serves clients on
 * {@code basePort + 100·k + i} (see {@link DevCluster} for the rest of a cluster's ports).
 */
public final class DevTopology implements AutoCloseable {
    public static final int PORTS_PER_CLUSTER = 100;
    public static final int MAX_FOLLOWER_CLUSTERS = 9;

    /** One cluster of the topology; {@code name} is its cluster name (its id in response headers derives from it). */
    public record Member(String name, DevCluster cluster) {}

    private final List<Member> clusters = new ArrayList<>();

    private DevTopology() {}

    /** Starts the leader cluster, then each follower cluster; a fatal storage error in any node goes to {@code fatal}. */
    public static DevTopology start(
            Path dataDir, int nodes, int followerClusters, int basePort, Consumer<Throwable> fatal) {
        return start(dataDir, nodes, followerClusters, basePort, ServerConfig.RaftSettings.defaults(), fatal);
    }

    /** As {@link #start(Path, int, int, int, Consumer)} with every node's Raft settings {@code raft}. */
    public static DevTopology start(
            Path dataDir,
            int nodes,
            int followerClusters,
            int basePort,
            ServerConfig.RaftSettings raft,
            Consumer<Throwable> fatal) {
        if (followerClusters < 0 || followerClusters > MAX_FOLLOWER_CLUSTERS) {
            throw new IllegalArgumentException(
                    "followerClusters: " + followerClusters + " is not between 0 and " + MAX_FOLLOWER_CLUSTERS);
        }
        DevTopology topology = new DevTopology();
        try {
            List<ServerConfig> leaderClusterConfigs =
                    DevCluster.configs(dataDir.resolve("leader"), "armada-dev", nodes, basePort, raft, false);
            topology.clusters.add(new Member("armada-dev", DevCluster.start(leaderClusterConfigs, fatal)));
            ServerConfig.LeaderCluster leader = new ServerConfig.LeaderCluster(
                    leaderClusterConfigs.stream()
                            .map(c -> c.self().clientAddress())
                            .toList(),
                    null,
                    null,
                    null);
            for (int k = 1; k <= followerClusters; k++) {
                String name = "armada-dev-follower-" + k;
                List<ServerConfig> configs = DevCluster.configs(
                                dataDir.resolve("follower-" + k),
                                name,
                                nodes,
                                basePort + PORTS_PER_CLUSTER * k,
                                raft,
                                false)
                        .stream()
                        .map(c -> c.asFollowerClusterOf(leader))
                        .toList();
                topology.clusters.add(new Member(name, DevCluster.start(configs, fatal)));
            }
        } catch (RuntimeException e) {
            topology.close();
            throw e;
        }
        return topology;
    }

    /**
     * One follower cluster of an existing leader cluster (its client endpoints), on the ports from
     * {@code basePort}: a follower cluster that can be stopped, restarted or started afresh on its own.
     */
    public static DevTopology startFollowerClusterOf(
            Path dataDir,
            int nodes,
            List<HostPort> leaderEndpoints,
            int basePort,
            ServerConfig.RaftSettings raft,
            Consumer<Throwable> fatal) {
        ServerConfig.LeaderCluster leader = new ServerConfig.LeaderCluster(leaderEndpoints, null, null, null);
        String name = "armada-dev-follower-1";
        List<ServerConfig> configs =
                DevCluster.configs(dataDir.resolve("follower-1"), name, nodes, basePort, raft, false).stream()
                        .map(c -> c.asFollowerClusterOf(leader))
                        .toList();
        DevTopology topology = new DevTopology();
        topology.clusters.add(new Member(name, DevCluster.start(configs, fatal)));
        return topology;
    }

    /** The leader cluster first, then the follower clusters in order (only a follower cluster: see {@link #startFollowerClusterOf}). */
    public List<Member> clusters() {
        return List.copyOf(clusters);
    }

    /** Waits until every node of every cluster sees a leader for the catalog and every table; false on timeout. */
    public boolean awaitReady(long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        for (Member m : clusters) {
            if (!m.cluster().awaitReady(Math.max(1, deadline - System.currentTimeMillis()))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        // follower clusters first: they would only retry against a leader cluster that is going away
        for (Member m : clusters.reversed()) {
            m.cluster().close();
        }
        clusters.clear();
    }
}
