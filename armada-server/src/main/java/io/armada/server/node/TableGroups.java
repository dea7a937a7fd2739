package io.armada.server.node;

import io.armada.raft.engine.RaftEngine;
import io.armada.raft.transport.Backoff;
import io.armada.server.config.ServerConfig;
import io.armada.storage.TableStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The table groups a node has open, kept in line with its catalog: every table the catalog lists has
 * its group open here, every group (and the data) of a table it no longer lists is removed, and what a
 * crash left of an interrupted removal is cleaned up at start. {@link ArmadaNode} owns the stores and
 * the engine; this owns which groups run on them.
 */
final class TableGroups {
    private static final Logger log = LoggerFactory.getLogger(TableGroups.class);

    /** Bound of one catch-up ReadIndex round after a table's group opens, and of the wait before the next. */
    private static final long CATCH_UP_ROUND_MILLIS = 2_000;

    /** Waits between catch-up rounds that found no leader: doubling from 20 ms to 200 ms, jittered. */
    private static final long CATCH_UP_INITIAL_BACKOFF_MILLIS = 20;

    private static final long CATCH_UP_MAX_BACKOFF_MILLIS = 200;
    /** Waits between attempts to open a table's group that failed to open: doubling from 100 ms to 5 s, jittered. */
    private static final long OPEN_INITIAL_BACKOFF_MILLIS = 100;

    private static final long OPEN_MAX_BACKOFF_MILLIS = 5_000;

    private final ServerConfig config;
    private final TableStore tableStore;
    private final RaftEngine engine;
    private final List<Long> voters;
    private final TableStateMachine catalog;
    private final Map<String, TableHandle> tablesByName = new ConcurrentHashMap<>();
    private final Map<Long, TableHandle> tablesById = new ConcurrentHashMap<>();
    private final TableRemovalHold removalHold = new TableRemovalHold(this::reconcile);
    private volatile boolean closed;
    private boolean leftoversChecked;
    /**
     * Set once the tables the catalog held at start are open. Only those may have served reads in an
     * earlier life of this node, so only they wait to catch up ({@link #confirmCaughtUp}): a table the
     * catalog creates later opens here empty. (A table this node served is in its catalog at start,
     * as {@link #reconcile} makes the catalog durable before it opens a group.)
     */
    private volatile boolean openedAtStart;

    TableGroups(
            ServerConfig config,
            TableStore tableStore,
            RaftEngine engine,
            List<Long> voters,
            TableStateMachine catalog) {
        this.config = config;
        this.tableStore = tableStore;
        this.engine = engine;
        this.voters = voters;
        this.catalog = catalog;
    }

    /** Opens the tables the catalog held when the node stopped; only these wait to catch up. */
    synchronized void openAtStart() {
        reconcile();
        openedAtStart = true;
    }

    Optional<TableHandle> get(String name) {
        return Optional.ofNullable(tablesByName.get(name));
    }

    Optional<TableHandle> get(long id) {
        return Optional.ofNullable(tablesById.get(id));
    }

    /** The open tables, by name. */
    Collection<TableHandle> tables() {
        return tablesByName.values().stream()
                .sorted(Comparator.comparing(TableHandle::name))
                .toList();
    }

    /** The ids of the open table groups (not the catalog's): a live view, as weakly consistent as the map. */
    Collection<Long> ids() {
        return Collections.unmodifiableSet(tablesById.keySet());
    }

    TableRemovalHold removalHold() {
        return removalHold;
    }

    /** No group opens or is removed from now on (the node is closing its engine and stores). */
    synchronized void close() {
        closed = true;
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
    synchronized void reconcile() {
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
        List<Long> droppedTables = new ArrayList<>();
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
                deleteRecursively(snapshotDir(config, id));
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
                new TableStateMachine(id, tableStore, snapshotDir(config, id), config.isFollowerCluster(), index -> {});
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
                                synchronized (this) { // as reconcile: a removal cannot slip between check and open
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
        deleteRecursively(snapshotDir(config, id));
    }

    static Path snapshotDir(ServerConfig config, long groupId) {
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
}
