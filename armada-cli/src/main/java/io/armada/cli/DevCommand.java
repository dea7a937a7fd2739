package io.armada.cli;

import io.armada.server.ServerMain;
import io.armada.server.config.HostPort;
import io.armada.server.config.ServerConfig;
import io.armada.server.dev.DevTopology;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;

/** {@code armada dev}: a local leader cluster and its follower clusters in this process, until interrupted. */
@CommandLine.Command(
        name = "dev",
        mixinStandardHelpOptions = true,
        description = {
            "Start a local 3-node leader cluster and --follower-clusters follower clusters on 127.0.0.1 and run"
                    + " until interrupted.",
            "Cluster k (0 is the leader cluster) uses ports from base-port + 100*k: node i serves clients on"
                    + " +i, Raft (QUIC) on +10+i and metrics on +20+i."
        })
final class DevCommand implements Callable<Integer> {
    @CommandLine.Option(names = "--data", description = "Data directory (default: a new temporary one).")
    Path data;

    @CommandLine.Option(
            names = "--base-port",
            defaultValue = "6000",
            description = "First port of the leader cluster (default: ${DEFAULT-VALUE}).")
    int basePort;

    @CommandLine.Option(
            names = "--nodes",
            defaultValue = "3",
            description = "Nodes per cluster: 1, 3 or 5 (default: ${DEFAULT-VALUE}).")
    int nodes;

    @CommandLine.Option(
            names = "--follower-clusters",
            defaultValue = "1",
            description =
                    "Follower clusters, 0 to " + DevTopology.MAX_FOLLOWER_CLUSTERS + " (default: ${DEFAULT-VALUE}).")
    int followerClusters;

    /** The old name of --follower-clusters ("followers" alone is a Raft role); hidden, still read. */
    @CommandLine.Option(names = "--followers", hidden = true)
    Integer followersOldName;

    @CommandLine.Option(
            names = "--leader-cluster",
            split = ",",
            paramLabel = "HOST:PORT",
            description = "Start only one follower cluster of this running leader cluster (its client endpoints),"
                    + " on the ports from --base-port; --follower-clusters is not used.")
    List<String> leaderCluster;

    /** The old name of --leader-cluster; hidden, still read. */
    @CommandLine.Option(names = "--follower-of", split = ",", hidden = true)
    List<String> followerOfOldName;

    @CommandLine.Option(
            names = "--raft-workers",
            defaultValue = "2",
            description = "Raft worker threads per node (raft.worker-threads; default: ${DEFAULT-VALUE}).")
    int raftWorkers;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException, InterruptedException {
        int followerClusters = OldOptionNames.resolve(
                spec, "--follower-clusters", this.followerClusters, "--followers", followersOldName);
        List<String> leaderCluster = OldOptionNames.resolve(
                spec, "--leader-cluster", this.leaderCluster, "--follower-of", followerOfOldName);
        if (nodes != 1 && nodes != 3 && nodes != 5) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--nodes: " + nodes + " is not 1, 3 or 5");
        }
        if (followerClusters < 0 || followerClusters > DevTopology.MAX_FOLLOWER_CLUSTERS) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "--follower-clusters: " + followerClusters + " is not between 0 and "
                            + DevTopology.MAX_FOLLOWER_CLUSTERS);
        }
        int lastPort = basePort + DevTopology.PORTS_PER_CLUSTER * followerClusters + DevTopology.PORTS_PER_CLUSTER - 1;
        if (basePort < 1024 || lastPort > 65_535) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "--base-port: " + basePort + " leaves ports " + basePort + "-" + lastPort + " outside 1024-65535");
        }
        List<HostPort> leaderEndpoints;
        try {
            leaderEndpoints = leaderCluster == null
                    ? null
                    : leaderCluster.stream().map(HostPort::parse).toList();
        } catch (RuntimeException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--leader-cluster: " + e.getMessage());
        }
        ServerConfig.RaftSettings defaults = ServerConfig.RaftSettings.defaults();
        ServerConfig.RaftSettings raft;
        try {
            raft = new ServerConfig.RaftSettings(
                    defaults.tickMillis(),
                    defaults.electionTicks(),
                    defaults.heartbeatTicks(),
                    raftWorkers,
                    defaults.snapshotThresholdEntries());
        } catch (RuntimeException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--raft-workers: " + e.getMessage());
        }
        Path dir = data != null ? data : Files.createTempDirectory("armada-dev");
        io.armada.server.ops.PeerErrorLogging.install();
        DevTopology topology = leaderEndpoints != null
                ? DevTopology.startFollowerClusterOf(
                        dir, nodes, leaderEndpoints, basePort, raft, ServerMain::haltOnFatal)
                : DevTopology.start(dir, nodes, followerClusters, basePort, raft, ServerMain::haltOnFatal);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            topology.close();
                            stopped.countDown();
                        },
                        "armada-dev-shutdown"));
        var out = spec.commandLine().getOut();
        out.println("data: " + dir);
        for (DevTopology.Member m : topology.clusters()) {
            boolean leader = m == topology.clusters().getFirst() && leaderEndpoints == null;
            out.printf(
                    "%s cluster %s: endpoints %s%n",
                    leader ? "leader" : "follower", m.name(), m.cluster().endpoints());
        }
        if (!topology.awaitReady(60_000)) {
            spec.commandLine().getErr().println("error: a cluster elected no leader within 60 s; see the log above");
            return 1;
        }
        out.println("ready: try  bin/armada table create demo --endpoints "
                + (leaderEndpoints != null
                        ? String.join(",", leaderCluster)
                        : topology.clusters().getFirst().cluster().endpoints()));
        out.flush();
        stopped.await();
        return 0;
    }
}
