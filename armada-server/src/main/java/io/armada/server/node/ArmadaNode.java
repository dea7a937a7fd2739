package io.armada.server.node;

import io.armada.proto.Limits;
import io.armada.raft.RaftConfig;
import io.armada.raft.RaftRole;
import io.armada.raft.engine.EngineConfig;
import io.armada.raft.engine.GroupStatus;
import io.armada.raft.engine.RaftEngine;
import io.armada.raft.log.LogStore;
import io.armada.raft.log.LogStoreOptions;
import io.armada.raft.transport.Backoff;
import io.armada.raft.transport.quic.QuicTransport;
import io.armada.raft.transport.quic.QuicTransportConfig;
import io.armada.raft.transport.quic.QuicTransportLimits;
import io.armada.raft.transport.tls.TlsMaterial;
import io.armada.server.config.ServerConfig;
import io.armada.storage.StoreOptions;
import io.armada.storage.TableStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
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

    /** Bound of one catch-up ReadIndex round after a table's group opens, and of the wait before the next. */
    private static final long CATCH_UP_ROUND_MILLIS = 2_000;

    private static final long CATCH_UP_INITIAL_BACKOFF_MILLIS = 20;
    private static final long CATCH_UP_MAX_BACKOFF_MILLIS = 200;
    /** Longest wait between attempts to open a table's group that failed to open. */
    private static final long OPEN_INITIAL_BACKOFF_MILLIS = 100;

    private static final long OPEN_MAX_BACKOFF_MILLIS = 5_000;

    private final ServerConfig config;
    private final LogStore logStore;
    private final TableStore tableStore;
    private final QuicTransport transport;
    private final RaftEngine engine;
    private final TableStateMachine catalog;
    private final List<Long> voters;
    private final Map<String, TableHandle> tablesByName = new ConcurrentHashMap<>();
    private final Map<Long, TableHandle> tablesById = new ConcurrentHashMap<>();
    private volatile boolean closed;
    private boolean leftoversChecked;
    /**
     * Set once the tables the catalog held at start are open. Only those may have served reads in an
     * earlier life of this node, so only they wait to catch up ({@link #confirmCaughtUp}): a table the
     * catalog creates later opens here empty. (A table this node served is in its catalog at start,
     * as {@link #reconcileTables} makes the catalog durable before it opens a group.)
     */
    private volatile boolean openedAtStart;

    private final TableRemovalHold removalHold = new TableRemovalHold(this::reconcileTables);

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
                snapshotDir(Catalog.GROUP_ID),
                config.isFollowerCluster(),
                index -> reconcileTables());
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
            node.reconcileTables(); // tables the catalog held when the node stopped
            node.openedAtStart = true;
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
                node.tablesByName.size());
        return node;
    }

    public ServerConfig config() {
        return config;
    }

    /** The groups a follower cluster replicates from the leader cluster: the catalog and every table. */
    public Iterable<Long> replicatedGroups() {
        List<Long> ids = new java.util.ArrayList<>(tablesById.keySet());
        ids.add(Catalog.GROUP_ID);
        return ids;
    }

    /** The state machine of group {@code id} (the catalog or a table), or null if it is not open here. */
    public TableStateMachine stateMachine(long id) {
        if (id == Catalog.GROUP_ID) {
            return catalog;
        }
        TableHandle h = tablesById.get(id);
        return h == null ? null : h.stateMachine();
    }

    /** The failpoint that slows this node's synced Raft log writes (see {@link io.armada.server.ops.Failpoints}). */
    public io.armada.raft.log.FsyncDelay fsyncDelay() {
        return logStore.fsyncDelay();
    }

    /** The failpoint that keeps the tables the catalog dropped (see {@link io.armada.server.ops.Failpoints}). */
    public TableRemovalHold tableRemovalHold() {
        return removalHold;
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
        return Optional.ofNullable(tablesByName.get(name));
    }

    public Optional<TableHandle> table(long id) {
        return Optional.ofNullable(tablesById.get(id));
    }

    /** The tables this node serves, by name. */
    public Collection<TableHandle> tables() {
        return tablesByName.values().stream()
                .sorted(Comparator.comparing(TableHandle::name))
                .toList();
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
        return tablesById.keySet().stream()
                .allMatch(id -> engine.status(id).map(s -> s.leaderId() != 0).orElse(false));
    }

    /**
     * Brings the open table groups in line with the catalog: opens a group for every listed table
     * and removes the groups (and data) of tables no longer listed. Runs after every catalog entry
     * is applied, on the catalog's worker thread, and at start.
     *
     * <p>Not while a follower cluster's catalog is being reloaded from a leader-cluster snapshot: the load
     * empties the catalog first and fills it step by step, so its partial content would drop every
     * table (group and data) and reopen the same ids moments later. Tables stay as they are until
     * the load ends; its last step reconciles against the complete catalog, dropping only tables
     * really gone and opening only new ones.
     */
    private synchronized void reconcileTables() {
        if (closed || catalog.table().isResetting()) {
            return;
        }
        Map<String, Long> wanted = Catalog.tables(catalog);
        List<Map.Entry<String, Long>> toOpen = wanted.entrySet().stream()
                .filter(t -> !tablesById.containsKey(t.getValue()))
                .toList();
        List<TableHandle> toRemove = removalHold.held()
                ? List.of()
                : tablesById.values().stream()
                        .filter(h -> !Long.valueOf(h.id()).equals(wanted.get(h.name())))
                        .toList();
        if (!toOpen.isEmpty() || !toRemove.isEmpty()) {
            // Opening a group writes its bootstrap, removing one deletes its log and data, both durably; the
            // catalog entry that asked for it is an unsynced apply. Make the catalog durable first, or a power
            // cut could leave a group the catalog never created (dropped as a leftover at the next start, its
            // acknowledged writes with it) or a table listed whose log is gone (bootstrapped again, empty).
            tableStore.syncWal();
        }
        toOpen.forEach(t -> openTable(t.getKey(), t.getValue()));
        toRemove.forEach(this::removeTable);
        if (leftoversChecked) {
            return;
        }
        leftoversChecked = true;
        // once, at start: leftovers of removals a crash interrupted
        List<Long> droppedTables = new java.util.ArrayList<>();
        for (long id : tableStore.tables()) {
            if (id != Catalog.GROUP_ID && !tablesById.containsKey(id)) {
                droppedTables.add(id); // its snapshot directory goes with its data
                try (var ignored = org.slf4j.MDC.putCloseable("table", "#" + id)) {
                    log.info("node {}: dropping table {} which the catalog no longer lists", config.nodeId(), id);
                }
                engine.removeGroup(id).whenComplete((ok, e) -> dropTableData(id));
            }
        }
        // A removal drops the table store entry before the snapshot directory: a crash between leaves a
        // directory (with a snapshot as large as the table) no table owns (simulation, catalog shape, seed 23).
        for (long id : snapshotDirectoryIds()) {
            if (id != Catalog.GROUP_ID && !tablesById.containsKey(id) && !droppedTables.contains(id)) {
                log.info(
                        "node {}: deleting the snapshot directory of table {}, which the catalog no longer lists",
                        config.nodeId(),
                        id);
                deleteRecursively(snapshotDir(id));
            }
        }
    }

    /** The group ids that have a snapshot directory on this node. */
    private List<Long> snapshotDirectoryIds() {
        Path root = config.dataDir().resolve("snapshots");
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(root)) {
            return dirs.map(p -> p.getFileName().toString())
                    .filter(n -> n.matches("[0-9]{1,18}"))
                    .map(Long::parseLong)
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root, e);
        }
    }

    private void openTable(String name, long id) {
        boolean restarted = !openedAtStart;
        TableStateMachine sm =
                new TableStateMachine(id, tableStore, snapshotDir(id), config.isFollowerCluster(), index -> {});
        if (!restarted) {
            sm.caughtUp();
        }
        TableHandle handle = new TableHandle(name, id, sm);
        tablesById.put(id, handle);
        tablesByName.put(name, handle);
        openGroup(handle, restarted, 0);
    }

    /**
     * Opens the table's group; a failure (the engine's worker overloaded, a storage error) is logged and
     * retried with backoff while the catalog lists the table, and meanwhile its writes answer UNAVAILABLE
     * (the group is not open here), rather than the table being served half-open for good.
     */
    private void openGroup(TableHandle handle, boolean restarted, int attempt) {
        String name = handle.name();
        long id = handle.id();
        engine.openGroup(id, voters, handle.stateMachine()).whenComplete((ok, e) -> {
            try (var ignored = org.slf4j.MDC.putCloseable("table", name)) {
                if (e != null) {
                    long backoff = Backoff.delayMillis(
                            OPEN_INITIAL_BACKOFF_MILLIS, OPEN_MAX_BACKOFF_MILLIS, attempt, ThreadLocalRandom.current());
                    log.error(
                            "node {}: cannot open the group of table {} ({}); retrying in {} ms",
                            config.nodeId(),
                            name,
                            id,
                            backoff,
                            e);
                    CompletableFuture.runAsync(
                            () -> {
                                synchronized (
                                        this) { // as reconcileTables: a removal cannot slip between check and open
                                    if (!closed && tablesById.get(id) == handle) {
                                        openGroup(handle, restarted, attempt + 1);
                                    }
                                }
                            },
                            CompletableFuture.delayedExecutor(backoff, TimeUnit.MILLISECONDS));
                } else {
                    log.info("node {}: table {} ({}) open", config.nodeId(), name, id);
                    if (restarted) {
                        confirmCaughtUp(handle, 0);
                    }
                }
            }
        });
    }

    /**
     * Opens the table for local reads once a ReadIndex round of its group answers. Neither the applied
     * state nor the persisted commit index can tell what this node served before a power loss; the
     * group's commit index, confirmed by a quorum after the restart, covers it. Retried while no leader
     * answers (a table without a quorum serves no local read on a node that restarted).
     */
    private void confirmCaughtUp(TableHandle handle, int attempt) {
        engine.readIndex(handle.id())
                .orTimeout(CATCH_UP_ROUND_MILLIS, TimeUnit.MILLISECONDS)
                .whenComplete((index, e) -> {
                    if (e == null) {
                        handle.stateMachine().caughtUp();
                    } else if (!closed && tablesById.get(handle.id()) == handle) {
                        long backoff = Backoff.delayMillis(
                                CATCH_UP_INITIAL_BACKOFF_MILLIS,
                                CATCH_UP_MAX_BACKOFF_MILLIS,
                                attempt,
                                ThreadLocalRandom.current());
                        CompletableFuture.runAsync(
                                () -> confirmCaughtUp(handle, attempt + 1),
                                CompletableFuture.delayedExecutor(backoff, TimeUnit.MILLISECONDS));
                    }
                });
    }

    private void removeTable(TableHandle h) {
        tablesById.remove(h.id());
        tablesByName.remove(h.name(), h);
        engine.removeGroup(h.id()).whenComplete((ok, e) -> {
            dropTableData(h.id());
            try (var ignored = org.slf4j.MDC.putCloseable("table", h.name())) {
                log.info("node {}: table {} ({}) removed", config.nodeId(), h.name(), h.id());
            }
        });
    }

    private void dropTableData(long id) {
        if (tableStore.hasTable(id)) {
            tableStore.dropTable(id);
        }
        deleteRecursively(snapshotDir(id));
    }

    private Path snapshotDir(long groupId) {
        return config.dataDir().resolve("snapshots").resolve(Long.toString(groupId));
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
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
        List<Long> groups = Stream.concat(Stream.of(Catalog.GROUP_ID), tablesById.keySet().stream())
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
