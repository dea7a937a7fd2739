package io.armada.server.node;

import io.armada.proto.Limits;
import io.armada.raft.RaftConfig;
import io.armada.raft.RaftRole;
import io.armada.raft.engine.EngineConfig;
import io.armada.raft.engine.GroupStatus;
import io.armada.raft.engine.RaftEngine;
import io.armada.raft.log.LogStore;
import io.armada.raft.log.LogStoreOptions;
import io.armada.raft.transport.quic.QuicTransport;
import io.armada.raft.transport.quic.QuicTransportConfig;
import io.armada.raft.transport.quic.QuicTransportLimits;
import io.armada.raft.transport.tls.TlsMaterial;
import io.armada.server.config.ServerConfig;
import io.armada.storage.StoreOptions;
import io.armada.storage.TableStore;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replicated core of one node: its Raft log store, table store, QUIC transport and engine,
 * the catalog group and one Raft group per table. The catalog decides which tables exist; every
 * node follows it by opening and removing table groups as catalog entries apply, so creating or
 * deleting a table is one Raft write and never pauses the other tables.
 */
public final class ArmadaNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ArmadaNode.class);

    private final ServerConfig config;
    private final LogStore logStore;
    private final TableStore tableStore;
    private final QuicTransport transport;
    private final RaftEngine engine;
    private final TableStateMachine catalog;
    private final List<Long> voters;
    private volatile boolean closed;
    private final TableGroups tableGroups;

    private ArmadaNode(ServerConfig config, Consumer<Throwable> fatal) {
        this.config = config;
        Path data = config.dataDir();
        this.voters = config.members().stream()
                .map(ServerConfig.MemberConfig::id)
                .sorted()
                .toList();
        this.logStore = LogStore.open(data.resolve("raft-log"), LogStoreOptions.defaults(), fatal::accept);
        this.tableStore = TableStore.open(data.resolve("tables"), StoreOptions.defaults());
        Map<Long, InetSocketAddress> peers = new HashMap<>();
        for (ServerConfig.MemberConfig m : config.members()) {
            if (m.id() != config.nodeId()) {
                peers.put(m.id(), m.raftAddress().toSocketAddress());
            }
        }
        ServerConfig.RaftTlsConfig tls = config.raftTls();
        this.transport = new QuicTransport(new QuicTransportConfig(
                config.clusterName(),
                config.nodeId(),
                config.self().raftAddress().toSocketAddress(),
                peers,
                new TlsMaterial.PemFiles(tls.certFile(), tls.keyFile(), tls.caFile()),
                QuicTransportLimits.defaults()));
        ServerConfig.RaftSettings raft = config.raft();
        EngineConfig engineConfig = EngineConfig.defaults()
                .withWorkerThreads(raft.workerThreads())
                .withTickMillis(raft.tickMillis())
                .withSnapshots(raft.snapshotThresholdEntries(), Math.min(10_000, raft.snapshotThresholdEntries()));
        RaftConfig raftConfig = RaftConfig.defaults()
                .withTicks(raft.electionTicks(), raft.heartbeatTicks())
                // one entry holds one request (at most MAX_REQUEST_BYTES) and its small envelope
                .withProposalLimits(64L << 20, Limits.MAX_REQUEST_BYTES + (64 << 10));
        this.engine = new RaftEngine(config.nodeId(), engineConfig, raftConfig, logStore, transport, fatal::accept);
        this.catalog = new TableStateMachine(
                Catalog.GROUP_ID,
                tableStore,
                TableGroups.snapshotDir(config, Catalog.GROUP_ID),
                config.isFollowerCluster(),
                index -> onCatalogApplied());
        this.tableGroups = new TableGroups(config, tableStore, engine, voters, catalog);
    }

    /** A catalog entry applied (on the catalog's worker thread): the table groups follow it. */
    private void onCatalogApplied() {
        tableGroups.reconcile();
    }

    /**
     * Opens the node's stores and starts Raft: the catalog group and every table group it lists.
     * {@code fatal} is told of an unrecoverable storage error (a failed fsync): the caller must stop
     * the process, because nothing this node would write afterwards can be trusted.
     */
    public static ArmadaNode start(ServerConfig config, Consumer<Throwable> fatal) {
        ArmadaNode node = new ArmadaNode(config, fatal);
        try {
            node.engine.start();
            node.tableGroups.openAtStart(); // tables the catalog held when the node stopped
            node.engine.openGroup(Catalog.GROUP_ID, node.voters, node.catalog).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            node.close();
            throw new IllegalStateException("node " + config.nodeId() + " failed to start: " + e.getMessage(), e);
        }
        log.info(
                "node {} of cluster {} started: raft on {}, {} tables",
                config.nodeId(),
                config.clusterName(),
                config.self().raftAddress(),
                node.tableGroups.tables().size());
        return node;
    }

    public ServerConfig config() {
        return config;
    }

    /** The groups a follower cluster replicates from the leader cluster: the catalog and every table. */
    public Iterable<Long> replicatedGroups() {
        List<Long> ids = new ArrayList<>(tableGroups.ids());
        ids.add(Catalog.GROUP_ID);
        return ids;
    }

    /** The state machine of group {@code id} (the catalog or a table), or null if it is not open here. */
    public TableStateMachine stateMachine(long id) {
        if (id == Catalog.GROUP_ID) {
            return catalog;
        }
        return tableGroups.get(id).map(TableHandle::stateMachine).orElse(null);
    }

    /** The failpoint that slows this node's synced Raft log writes (see {@link io.armada.server.ops.Failpoints}). */
    public io.armada.raft.log.FsyncDelay fsyncDelay() {
        return logStore.fsyncDelay();
    }

    /** The failpoint that keeps the tables the catalog dropped (see {@link io.armada.server.ops.Failpoints}). */
    public TableRemovalHold tableRemovalHold() {
        return tableGroups.removalHold();
    }

    public RaftEngine engine() {
        return engine;
    }

    public QuicTransport transport() {
        return transport;
    }

    public TableStateMachine catalog() {
        return catalog;
    }

    public Optional<TableHandle> table(String name) {
        return tableGroups.get(name);
    }

    public Optional<TableHandle> table(long id) {
        return tableGroups.get(id);
    }

    /** The tables this node serves, by name. */
    public Collection<TableHandle> tables() {
        return tableGroups.tables();
    }

    /** This node's view of a group: role, leader, term, commit and applied index. */
    public Optional<GroupStatus> groupStatus(long groupId) {
        return engine.status(groupId);
    }

    /** Whether every table group and the catalog know a leader: the node can serve writes. */
    public boolean ready() {
        if (closed
                || engine.status(Catalog.GROUP_ID).map(s -> s.leaderId() == 0).orElse(true)) {
            return false;
        }
        return tableGroups.ids().stream()
                .allMatch(id -> engine.status(id).map(s -> s.leaderId() != 0).orElse(false));
    }

    /**
     * Hands leadership of every group this node leads to another member, so clients see a new
     * leader within a round trip rather than an election timeout. Best effort, bounded by {@code timeoutMillis}.
     */
    public void transferLeadershipAway(long timeoutMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        List<Long> others = voters.stream().filter(id -> id != config.nodeId()).toList();
        if (others.isEmpty()) {
            return;
        }
        List<Long> groups = Stream.concat(Stream.of(Catalog.GROUP_ID), tableGroups.ids().stream())
                .toList();
        int i = 0;
        for (long g : groups) {
            if (engine.status(g).map(s -> s.role() == RaftRole.LEADER).orElse(false)) {
                long to = others.get(i++ % others.size());
                engine.transferLeadership(g, to).exceptionally(e -> null);
            }
        }
        for (long g : groups) {
            while (System.nanoTime() < deadline
                    && engine.status(g).map(s -> s.role() == RaftRole.LEADER).orElse(false)) {
                try {
                    Thread.sleep(5); // polling the engine's published status; there is no event to wait on
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        tableGroups.close();
        closeQuietly(engine);
        closeQuietly(transport);
        closeQuietly(tableStore);
        closeQuietly(logStore);
        log.info("node {} stopped", config.nodeId());
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            log.warn("close of {} failed", c.getClass().getSimpleName(), e);
        }
    }
}
