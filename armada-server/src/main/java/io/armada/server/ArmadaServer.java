package io.armada.server;

import io.armada.server.api.ApiServer;
import io.armada.server.config.ServerConfig;
import io.armada.server.node.ArmadaNode;
import io.armada.server.ops.Failpoints;
import io.armada.server.ops.MetricsInterceptor;
import io.armada.server.ops.OpsHttpServer;
import io.armada.server.ops.ServerMetrics;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running node of a leader cluster: the replicated {@link ArmadaNode} behind the client
 * {@link ApiServer}. Closing it drains calls, hands its leaderships to other members and then
 * closes the stores, so a rolling restart costs clients no election timeout.
 */
public final class ArmadaServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ArmadaServer.class);
    static final long DRAIN_MILLIS = 5_000;
    static final long TRANSFER_MILLIS = 3_000;

    private final ArmadaNode node;
    private final ApiServer api;
    private final OpsHttpServer ops;

    private ArmadaServer(ArmadaNode node, ApiServer api, OpsHttpServer ops) {
        this.node = node;
        this.api = api;
        this.ops = ops;
    }

    /** Starts a node; {@code fatal} must stop the process (see {@link ArmadaNode#start}). */
    public static ArmadaServer start(ServerConfig config, Consumer<Throwable> fatal) {
        ArmadaNode node = ArmadaNode.start(config, fatal);
        try {
            ServerMetrics metrics = new ServerMetrics(node);
            ApiServer api = ApiServer.start(node, List.of(new MetricsInterceptor(metrics.registry())));
            metrics.streamsOpen(api::openStreams);
            log.info("node {} serves clients on {}", config.nodeId(), config.self().clientAddress());
            OpsHttpServer ops = null;
            if (config.metricsAddress() != null) {
                try {
                    Failpoints failpoints = Failpoints.fromEnvironment(System.getenv(), node.fsyncDelay(),
                            node.tableRemovalHold());
                    if (failpoints.enabled()) {
                        log.warn("node {}: failpoints enabled ({}); never in production", config.nodeId(),
                                Failpoints.ENVIRONMENT_VARIABLE);
                    }
                    ops = new OpsHttpServer(config.metricsAddress(), metrics::scrape, node::ready, failpoints);
                } catch (RuntimeException e) {
                    api.close();
                    throw e;
                }
                log.info("node {} serves /metrics, /healthz and /readyz on {}", config.nodeId(), config.metricsAddress());
            }
            return new ArmadaServer(node, api, ops);
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
    }

    public ArmadaNode node() {
        return node;
    }

    /** The bound port of the operations endpoint, or -1 when it is off. */
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
        node.close();
    }
}
