package io.armada.server;

import io.armada.server.api.ApiServer;
import io.armada.server.config.ServerConfig;
import io.armada.server.node.ArmadaNode;
import io.armada.server.ops.Failpoints;
import io.armada.server.ops.MetricsInterceptor;
import io.armada.server.ops.OpsHttpServer;
import io.armada.server.ops.ServerMetrics;
import io.armada.server.replication.LeaderClusterLink;
import io.armada.server.replication.ReplicationManager;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running node: the replicated {@link ArmadaNode} behind the client {@link ApiServer}, and on a
 * follower cluster its link to the leader cluster and the replicators pulling through it. This is
 * where the parts meet, so the node knows nothing of replication and replication nothing of the API.
 * Closing it drains calls, hands its leaderships to other members, stops replication and then closes
 * the stores, so a rolling restart costs clients no election timeout.
 */
public final class ArmadaServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ArmadaServer.class);
    static final long DRAIN_MILLIS = 5_000;
    static final long TRANSFER_MILLIS = 3_000;

    private final ArmadaNode node;
    private final ApiServer api;
    private final OpsHttpServer ops;
    /** Follower clusters only (null on the leader cluster). */
    private final LeaderClusterLink leaderCluster;

    private final ReplicationManager replication;

    private ArmadaServer(
            ArmadaNode node,
            ApiServer api,
            OpsHttpServer ops,
            LeaderClusterLink leaderCluster,
            ReplicationManager replication) {
        this.node = node;
        this.api = api;
        this.ops = ops;
        this.leaderCluster = leaderCluster;
        this.replication = replication;
    }

    /** Starts a node; {@code fatal} must stop the process (see {@link ArmadaNode#start}). */
    public static ArmadaServer start(ServerConfig config, Consumer<Throwable> fatal) {
        ArmadaNode node = ArmadaNode.start(config, fatal);
        LeaderClusterLink leaderCluster = null;
        ReplicationManager replication = null;
        try {
            if (config.isFollowerCluster()) {
                leaderCluster = new LeaderClusterLink(config.leaderCluster());
                replication = new ReplicationManager(
                        node.engine(), leaderCluster, node::replicatedGroups, node::stateMachine, config.nodeId());
            }
            ServerMetrics metrics = new ServerMetrics(node);
            ApiServer api = ApiServer.start(node, leaderCluster, List.of(new MetricsInterceptor(metrics.registry())));
            metrics.streamsOpen(api::openStreams);
            metrics.unfinishedRequestBytes(api::unfinishedRequestBytes);
            log.info(
                    "node {} serves clients on {}",
                    config.nodeId(),
                    config.self().clientAddress());
            OpsHttpServer ops = null;
            if (config.metricsAddress() != null) {
                try {
                    Failpoints failpoints =
                            Failpoints.fromEnvironment(System.getenv(), node.fsyncDelay(), node.tableRemovalHold());
                    if (failpoints.enabled()) {
                        log.warn(
                                "node {}: failpoints enabled ({}); never in production",
                                config.nodeId(),
                                Failpoints.ENVIRONMENT_VARIABLE);
                    }
                    ops = new OpsHttpServer(config.metricsAddress(), metrics::scrape, node::ready, failpoints);
                } catch (RuntimeException e) {
                    api.close();
                    throw e;
                }
                log.info(
                        "node {} serves /metrics, /healthz and /readyz on {}",
                        config.nodeId(),
                        config.metricsAddress());
            }
            return new ArmadaServer(node, api, ops, leaderCluster, replication);
        } catch (RuntimeException e) {
            closeReplication(replication, leaderCluster);
            node.close();
            throw e;
        }
    }

    public ArmadaNode node() {
        return node;
    }

    /** The bound port of the operations endpoint, or -1 when it is off. */
    /** The node's client API server. */
    public ApiServer api() {
        return api;
    }

    public int opsPort() {
        return ops == null ? -1 : ops.port();
    }

    public int clientPort() {
        return api.port();
    }

    @Override
    public void close() {
        node.transferLeadershipAway(TRANSFER_MILLIS);
        api.shutdown(DRAIN_MILLIS);
        api.close();
        if (ops != null) {
            ops.close();
        }
        closeReplication(replication, leaderCluster);
        node.close();
    }

    /** Replicators first (they propose into the node's groups), then the link they pull through. */
    private static void closeReplication(ReplicationManager replication, LeaderClusterLink leaderCluster) {
        if (replication != null) {
            replication.close();
        }
        if (leaderCluster != null) {
            leaderCluster.close();
        }
    }
}
