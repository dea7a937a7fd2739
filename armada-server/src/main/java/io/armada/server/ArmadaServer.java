package io.armada.server;

import io.armada.server.api.ApiServer;
import io.armada.server.config.ServerConfig;
import io.armada.server.node.ArmadaNode;
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

    private ArmadaServer(ArmadaNode node, ApiServer api) {
        this.node = node;
        this.api = api;
    }

    /** Starts a node; {@code fatal} must stop the process (see {@link ArmadaNode#start}). */
    public static ArmadaServer start(ServerConfig config, Consumer<Throwable> fatal) {
        ArmadaNode node = ArmadaNode.start(config, fatal);
        try {
            ApiServer api = ApiServer.start(node, List.of());
            log.info("node {} serves clients on {}", config.nodeId(), config.self().clientAddress());
            return new ArmadaServer(node, api);
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
    }

    public ArmadaNode node() {
        return node;
    }

    public int clientPort() {
        return api.port();
    }

    @Override
    public void close() {
        node.transferLeadershipAway(TRANSFER_MILLIS);
        api.shutdown(DRAIN_MILLIS);
        api.close();
        node.close();
    }
}
