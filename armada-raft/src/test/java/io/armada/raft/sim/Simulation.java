package io.armada.raft.sim;

import io.armada.raft.Bootstrap;
import io.armada.raft.ConfChange;
import io.armada.raft.ConfState;
import io.armada.raft.Entry;
import io.armada.raft.EntryType;
import io.armada.raft.HardState;
import io.armada.raft.Message;
import io.armada.raft.ProposeResult;
import io.armada.raft.RaftConfig;
import io.armada.raft.RaftGroup;
import io.armada.raft.RaftRole;
import io.armada.raft.RaftStatus;
import io.armada.raft.ReadState;
import io.armada.raft.Ready;
import io.armada.raft.RequestResult;
import io.armada.raft.SnapshotChunk;
import io.armada.raft.SnapshotMeta;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A whole cluster — N nodes, M Raft groups — run in one thread from one seed: simulated time,
 * network (delay, reordering, loss, duplication, partitions per node pair and per group) and
 * nodes modelled as the engine runs them ({@link NodeModel}): each node has a log store, a table
 * store holding the state machines and snapshot files, and a crash loses what each did not sync,
 * independently ({@link NodeDisk}). Nodes follow {@code Worker}: persist a Ready (sync when it must),
 * send, apply (unsynced), advance, and snapshot every {@link #snapshotThreshold} applies (snapshot
 * file, syncApplied, one synced log write recording it and compacting); an inbound snapshot is
 * staged, installed into the state machine and then the log reset. A crash can be asked for
 * between any two durable steps of a snapshot. Restarting a node reopens each group as
 * {@code RaftEngine.open} does (repair of an interrupted install, then the core's open checks):
 * a refused open fails the seed. Random clients propose, read, change membership, transfer
 * leadership; nodes crash and restart.
 *
 * <p>In the {@link Shape#CATALOG} shape, group {@link #CATALOG} is a node's catalog and every other
 * group a table it creates and deletes at runtime, reconciled as {@code TableGroups.reconcile}
 * does: after each applied catalog entry, after a catalog snapshot install and at start (before the
 * catalog's group opens), the table store is synced, each listed table gets its table store entry
 * (synced) and snapshot directory, then its group opens on an engine worker (bootstrapped when
 * fresh); each table no longer listed has its group removed (log deleted, synced), then its table
 * store entry dropped and its snapshot directory deleted; the first reconcile after a start drops
 * leftovers of removals a crash interrupted. A crash can be asked for between any two of these steps.
 * At the end every node must have exactly the listed tables open and no trace of any other on disk.
 *
 * <p>After every step the checks run: at most one leader per term and group; committed entries
 * never change (an oracle keeps every entry ever applied anywhere, and the term of every index any
 * node's commit index covered: every node's log within its commit index must agree, so an entry
 * committed too early fails when another leader overwrites it, applied or not); an entry a leader
 * commits is on the disks of a majority of its voters at that moment; each node applies indexes in
 * sequence and every payload at most once; an installed snapshot holds exactly the committed
 * proposals up to it; ReadIndex answers are at least every commit known when the read started.
 * {@link Mode Modes} narrow the flow of appends, aim faults at leaders and keep writes pending
 * across steps; {@link #figure8} scripts the Raft paper's Figure 8. At
 * the end the network heals, every node restarts, and every member of every group must converge
 * to the same state machine holding every acknowledged proposal.
 */
public final class Simulation {
    static final int TICK_TIME = 10;
    private static final int TRACE_LINES = 400;

    /** What the simulation did, for the test's summary. */
    public record Stats(
            long proposalsAcked,
            long readsAnswered,
            long crashes,
            long snapshotsInstalled,
            long leaderChanges,
            long confChanges,
            long messagesSent,
            long crashesBeforeLeaderPersist,
            long snapshotsTaken,
            long crashesInSnapshotSteps,
            long tablesCreated,
            long tablesRemoved,
            long crashesInCatalogSteps,
            long pendingWritesLost,
            long leadersIsolatedAtElection) {}

    /** What runs on the nodes: fixed groups, or a catalog and the tables it creates and deletes. */
    public enum Shape {
        /** One to three groups, bootstrapped at the start and never removed. */
        GROUPS,
        /** The catalog (group {@link #CATALOG}) and the tables it lists, created and deleted at runtime. */
        CATALOG;

        public static Shape named(String name) {
            return valueOf(name.toUpperCase(java.util.Locale.ROOT));
        }
    }

    /**
     * Extra ways to run a seed, none by default (so a seed's run stays what it was), each opening a
     * window the default runs seldom reach.
     */
    public enum Mode {
        /**
         * One append in flight per follower and one entry per append: a leader's log reaches a
         * follower entry by entry, so an old term's entry can sit on a majority while the leader's own
         * entry after it does not yet (Raft §5.4.2, Figure 8).
         */
        NARROW_FLOW,
        /**
         * Faults aimed at the leader: it is crashed, cut off with one follower, or cut off from every
         * node the moment it is elected (its no-op stays its own), and down nodes come back soon: the
         * Figure 8 schedule of leaders that each replicate to a few nodes and fail.
         */
        LEADER_FAULTS,
        /**
         * A Ready's log write stays pending across steps, as an asynchronous write would: the leader's
         * appends are out, messages are delivered and stepped, time passes, and only then the write
         * completes, the late messages go and the core advances. A crash meanwhile loses the write or
         * not. Checks that a leader counts its own entries toward a commit only once they are
         * persisted (Raft thesis §10.2.1), which a synchronous persist cannot tell.
         */
        ASYNC_PERSIST;

        /** Parses {@code narrow-flow,leader-faults} (empty: none). */
        public static Set<Mode> parse(String names) {
            java.util.EnumSet<Mode> modes = java.util.EnumSet.noneOf(Mode.class);
            for (String name : names.split(",")) {
                if (!name.isBlank()) {
                    modes.add(valueOf(name.strip().replace('-', '_').toUpperCase(java.util.Locale.ROOT)));
                }
            }
            return modes;
        }

        static String names(Set<Mode> modes) {
            return String.join(
                    ",",
                    modes.stream()
                            .map(m -> m.name().replace('_', '-').toLowerCase(java.util.Locale.ROOT))
                            .toList());
        }
    }

    /** The catalog's group in the {@link Shape#CATALOG} shape ({@code Catalog.GROUP_ID}). */
    static final long CATALOG = 1;
    /** At most this many tables listed at once: a create beyond it is a delete instead. */
    private static final int MAX_LISTED_TABLES = 4;

    /** A catalog entry: create or delete one table (a catalog proposal with none is a no-op, like a marker). */
    private record CatalogChange(boolean create, long table) {}

    /**
     * One way a simulated node differs from {@link NodeModel#ENGINE}: all but one undo a fix
     * (issue 13), to show the simulation finds the bug it fixed.
     */
    public enum Variation {
        /** {@code Worker.maybeSnapshot} without {@code syncApplied} before the synced snapshot record (before 8a07197). */
        SKIP_SYNC_APPLIED,
        /** No restore of a table behind its own snapshot file at open ({@code TableStateMachine}, before f0ac14e). */
        NO_RESTORE_FROM_NEWER_SNAPSHOT_FILE,
        /**
         * The open repair resets the log only when it ends before the installed snapshot, not when
         * it holds another term there ({@code RaftEngine.repairAfterSnapshotInstallCrash}, before d7d1008).
         */
        REPAIR_ONLY_WHEN_LOG_ENDS_BEFORE,
        /**
         * The open repair resets the log after the installed snapshot but keeps the stored
         * membership, which came with the dropped log and may predate the snapshot: a node removed
         * before the snapshot, added back as a learner and sent it, reopens as a voter of its old
         * configuration, can win an election and overwrite committed entries (simulation seed 4005).
         */
        REPAIR_KEEPS_STORED_MEMBERSHIP,
        /**
         * One {@code snapshot.data} for every snapshot, replaced before {@code snapshot.meta}: a crash
         * between the two renames pairs the old identity with the new bytes (before f0ac14e).
         */
        ONE_SNAPSHOT_DATA_FILE,
        /**
         * Open finding: the log store forgets the term of the entry before its first once a
         * compaction or a newer snapshot record dropped it, as {@code StoredLog} does today;
         * {@code LogReader} promises it. {@link NodeModel#ENGINE} keeps it.
         */
        LOG_LOSES_TERM_BEFORE_FIRST,
        /**
         * {@code TableGroups.reconcile} without syncing the table store first: a table's removal
         * (its log deleted, synced) can outlive the catalog entry that asked for it (an unsynced
         * apply), and the table then reopens on a fresh log behind its own applies.
         */
        SKIP_CATALOG_SYNC_BEFORE_RECONCILE,
        /**
         * The leftover sweep at start looks at the table store only: a crash between a removal's
         * table store drop and its snapshot directory's deletion leaves that directory for good
         * (catalog shape, seed 23; before the sweep of snapshot directories).
         */
        KEEP_ORPHAN_SNAPSHOT_DIRECTORIES
    }

    /**
     * How a simulated node runs its groups. {@link #ENGINE} follows {@code RaftEngine},
     * {@code TableStateMachine} and {@code SnapshotFiles} as they are, except that its log store keeps
     * the term of the entry before its first (as {@code LogReader} promises and {@code StoredLog} does
     * not: see {@link Variation#LOG_LOSES_TERM_BEFORE_FIRST}). Each other model adds variations.
     */
    public record NodeModel(String name, Set<Variation> variations) {
        public static final NodeModel ENGINE = new NodeModel("engine", Set.of());
        /**
         * Bug 1 of issue 13 before both its fixes: a snapshot recorded and the log compacted over
         * unsynced applies, and no restore from the snapshot file at open.
         */
        public static final NodeModel BEFORE_BUG1_FIX = new NodeModel(
                "before-bug1-fix", Set.of(Variation.SKIP_SYNC_APPLIED, Variation.NO_RESTORE_FROM_NEWER_SNAPSHOT_FILE));
        /** Without {@code syncApplied} only: the restore from the snapshot file covers it. */
        public static final NodeModel WITHOUT_SYNC_APPLIED =
                new NodeModel("without-sync-applied", Set.of(Variation.SKIP_SYNC_APPLIED));
        /**
         * A crash between publishing an inbound snapshot's file and replacing the table: at open the
         * engine resets the log after the file's snapshot and the core refuses the group.
         */
        public static final NodeModel WITHOUT_RESTORE_FROM_FILE =
                new NodeModel("without-restore-from-file", Set.of(Variation.NO_RESTORE_FROM_NEWER_SNAPSHOT_FILE));
        /**
         * A crash after an inbound snapshot replaced the table and before the log reset, with an old
         * log reaching the snapshot's index: the repair keeps the old, divergent log, which the core
         * then takes as committed (issue 13 #9).
         */
        public static final NodeModel REPAIR_BY_LAST_INDEX =
                new NodeModel("repair-by-last-index", Set.of(Variation.REPAIR_ONLY_WHEN_LOG_ENDS_BEFORE));
        /** Issue 13 #9's repair as d7d1008 left it: the membership stays the dropped log's. */
        public static final NodeModel REPAIR_WITH_STALE_MEMBERSHIP =
                new NodeModel("repair-with-stale-membership", Set.of(Variation.REPAIR_KEEPS_STORED_MEMBERSHIP));
        /** A follower is sent the new bytes as the old snapshot (it would install state past the index it records). */
        public static final NodeModel ONE_DATA_FILE =
                new NodeModel("one-data-file", Set.of(Variation.ONE_SNAPSHOT_DATA_FILE));
        /**
         * {@code StoredLog} as it was before it started the core's log after the first stored entry: once {@code Worker.maybeSnapshot} compacted through
         * {@code snapshot - compactionRetainEntries}, the term of the entry before the first is gone,
         * and a leader sending a follower the entries from the first throws (the node stops).
         */
        public static final NodeModel STORED_LOG_AS_IS =
                new NodeModel("stored-log-as-is", Set.of(Variation.LOG_LOSES_TERM_BEFORE_FIRST));

        /** The catalog's reconcile removes tables without syncing the catalog's applies first. */
        public static final NodeModel RECONCILE_WITHOUT_SYNC =
                new NodeModel("reconcile-without-sync", Set.of(Variation.SKIP_CATALOG_SYNC_BEFORE_RECONCILE));

        /** The sweep at start as it was: the snapshot directory of an interrupted removal stays. */
        public static final NodeModel ORPHAN_SNAPSHOT_DIRECTORIES =
                new NodeModel("orphan-snapshot-directories", Set.of(Variation.KEEP_ORPHAN_SNAPSHOT_DIRECTORIES));

        private static final List<NodeModel> ALL = List.of(
                ENGINE,
                BEFORE_BUG1_FIX,
                WITHOUT_SYNC_APPLIED,
                WITHOUT_RESTORE_FROM_FILE,
                REPAIR_BY_LAST_INDEX,
                REPAIR_WITH_STALE_MEMBERSHIP,
                ONE_DATA_FILE,
                STORED_LOG_AS_IS,
                RECONCILE_WITHOUT_SYNC,
                ORPHAN_SNAPSHOT_DIRECTORIES);

        boolean has(Variation v) {
            return variations.contains(v);
        }

        public static NodeModel named(String name) {
            for (NodeModel m : ALL) {
                if (m.name().equals(name)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("unknown node model " + name + "; known: "
                    + ALL.stream().map(NodeModel::name).toList());
        }
    }

    private record Committed(long term, EntryType type, long payloadOrHash) {}

    /** A node reported the entry at an index committed, with this term, at this time. */
    private record CommitClaim(long term, long node, long at) {}

    private final long seed;
    private final long steps;
    private final NodeModel model;
    private final SplittableRandom rnd;
    private final RaftConfig config;
    /** {@code EngineConfig.snapshotThresholdEntries}: a node snapshots a group after this many applies. */
    private final long snapshotThreshold;
    /** {@code EngineConfig.compactionRetainEntries}: entries the log keeps behind a local snapshot. */
    private final long compactionRetain;

    private final SimNetwork net;
    private final Shape shape;
    private final Map<Long, SimNode> nodes = new TreeMap<>();
    /** Catalog shape: what each catalog proposal asks, by payload. */
    private final Map<Long, CatalogChange> catalogChanges = new HashMap<>();

    private long nextTableId = CATALOG + 1;
    /** Catalog shape: every table some node opened (the catalog listed it once). */
    private final Set<Long> everListed = new TreeSet<>();

    private final List<Long> groupIds = new ArrayList<>();
    private final Map<Long, TreeMap<Long, Committed>> oracle = new TreeMap<>();
    /**
     * Per group, the term of every index some node's commit index covered, with who said so first:
     * every node's committed prefix must agree with it, whether or not the entry was applied yet.
     */
    private final Map<Long, TreeMap<Long, CommitClaim>> committedTerms = new TreeMap<>();

    private final Set<Mode> modes;
    private final Map<List<Long>, Long> leaderOfTerm = new HashMap<>();
    private final Map<Long, Long> maxCommitSeen = new TreeMap<>();
    private final Map<Long, Set<Long>> acked = new TreeMap<>();
    private final ArrayDeque<String> trace = new ArrayDeque<>();
    private long now;
    private long nextPayload = 1;
    private long nextReadId = 1;
    private boolean finalPhase;

    private long statAcked;
    private long statReads;
    private long statCrashes;
    private long statSnapshots;
    private long statLeaderChanges;
    /** Crashes of a leader between sending its appends and persisting them. */
    private long statEarlyCrashes;

    private long statConfChanges;
    private long statSnapshotsTaken;
    private long statSnapshotCrashes;
    private long statTablesCreated;
    private long statTablesRemoved;
    private long statCatalogCrashes;
    /** {@link Mode#ASYNC_PERSIST}: writes under way that a crash lost. */
    private long statLostWrites;
    /** {@link Mode#LEADER_FAULTS}: leaders cut off from every node as they were elected. */
    private long statIsolatedLeaders;
    /** {@link Mode#LEADER_FAULTS}: the next node to become a leader is cut off from every other at once. */
    private boolean isolateNextLeader;

    public Simulation(long seed, long steps) {
        this(seed, steps, NodeModel.ENGINE);
    }

    public Simulation(long seed, long steps, NodeModel model) {
        this(seed, steps, model, Shape.GROUPS);
    }

    public Simulation(long seed, long steps, NodeModel model, Shape shape) {
        this(seed, steps, model, shape, Set.of());
    }

    public Simulation(long seed, long steps, NodeModel model, Shape shape, Set<Mode> modes) {
        this(seed, steps, model, shape, modes, null);
    }

    /** A fixed cluster for a scripted scenario: five nodes, one group, no snapshots, no random events. */
    private record Scripted(int nodes, RaftConfig config) {}

    private Simulation(long seed, long steps, NodeModel model, Shape shape, Set<Mode> modes, Scripted scripted) {
        this.seed = seed;
        this.steps = steps;
        this.model = model;
        this.shape = shape;
        this.modes = Set.copyOf(modes);
        this.rnd = new SplittableRandom(seed);
        // with no mode and no script, the draws are those of every seed before modes existed
        int nodeCount = scripted != null ? scripted.nodes() : rnd.nextBoolean() ? 3 : 5;
        int groupCount = scripted != null ? 1 : shape == Shape.CATALOG ? 0 : 1 + rnd.nextInt(3);
        RaftConfig drawn = scripted != null ? scripted.config() : randomConfig(rnd);
        this.config = modes.contains(Mode.NARROW_FLOW) ? drawn.withFlowControl(1, 1, drawn.maxInflightBytes()) : drawn;
        this.net = new SimNetwork(rnd.split());
        this.snapshotThreshold = scripted != null ? Long.MAX_VALUE / 4 : 1 + rnd.nextInt(24);
        // the server keeps as many entries as the threshold; fewer (down to none) reach more snapshot transfers
        this.compactionRetain = scripted != null
                ? 0
                : rnd.nextInt(3) == 0 ? snapshotThreshold : rnd.nextInt((int) snapshotThreshold + 1);
        for (long id = 1; id <= nodeCount; id++) {
            nodes.put(id, new SimNode(id, rnd.nextInt(TICK_TIME)));
        }
        for (long g = 1; g <= groupCount; g++) {
            groupIds.add(g);
            oracle.put(g, new TreeMap<>());
            acked.put(g, new TreeSet<>());
            maxCommitSeen.put(g, 0L);
            List<Long> founders = new ArrayList<>(nodes.keySet());
            if (scripted == null && nodeCount == 5 && rnd.nextBoolean()) {
                while (founders.size() > 3) {
                    founders.remove(rnd.nextInt(founders.size()));
                }
            }
            Bootstrap boot = Bootstrap.of(founders);
            for (long f : founders) {
                NodeDisk disk = nodes.get(f).disk;
                disk.logStore.write(g, s -> {
                    s.hardState = boot.hardState();
                    s.confState = boot.confState();
                    s.append(boot.entries());
                });
                disk.logStore.sync();
            }
            trace("group " + g + " founders " + founders);
        }
        if (shape == Shape.CATALOG) {
            groupIds.add(CATALOG); // every node bootstraps it when it first opens it, as the engine does
        }
        for (SimNode n : nodes.values()) {
            openCores(n);
        }
        trace("seed " + seed + ": " + nodeCount + " nodes, "
                + (shape == Shape.CATALOG ? "a catalog" : groupCount + " groups") + ", " + config + ", node model "
                + model.name() + ", snapshot every " + snapshotThreshold + " applies, retaining " + compactionRetain
                + (modes.isEmpty() ? "" : ", modes " + Mode.names(modes)));
    }

    private static RaftConfig randomConfig(SplittableRandom r) {
        int heartbeat = 1 + r.nextInt(2);
        return new RaftConfig(
                10,
                heartbeat,
                256 + r.nextInt(4096),
                2 + r.nextInt(15),
                512 + r.nextInt(16_384),
                4096 + r.nextInt(60_000),
                256,
                512 + r.nextInt(65_536),
                64 + r.nextInt(448),
                1 + r.nextInt(4),
                8 + r.nextInt(56),
                r.nextInt(10) < 8,
                r.nextInt(10) < 8);
    }

    /** A node's start: every group's state machine and {@code RaftEngine.open}. */
    private void openCores(SimNode n) {
        if (shape == Shape.CATALOG) {
            startWithCatalog(n);
            return;
        }
        for (long g : groupIds) {
            if (!model.has(Variation.NO_RESTORE_FROM_NEWER_SNAPSHOT_FILE)) {
                restoreFromNewerSnapshotFile(n, g);
            }
            engineOpen(n, g, List.of()); // the founders were bootstrapped at the start
        }
    }

    /**
     * {@code RaftEngine.open} of one group: bootstrap a fresh log when given voters, repair an
     * interrupted snapshot install, then open the core (a refusal fails the seed).
     */
    private void engineOpen(SimNode n, long g, List<Long> voters) {
        if (n.disk.log(g).isFresh() && !voters.isEmpty()) {
            Bootstrap boot = Bootstrap.of(voters);
            n.disk.logStore.write(g, s -> {
                s.hardState = boot.hardState();
                s.confState = boot.confState();
                s.append(boot.entries());
            });
            n.disk.logStore.sync();
        }
        repairAfterSnapshotInstallCrash(n, g);
        GroupLogView view = new GroupLogView(n.disk, g, !model.has(Variation.LOG_LOSES_TERM_BEFORE_FIRST));
        long applied = n.disk.machine(g).appliedIndex;
        try {
            n.groups.put(g, RaftGroup.open(g, n.id, config, view, view, applied, rnd.split()));
            // what it committed before it stopped was checked then (or, if it was not, cannot be now)
            n.majorityChecked.put(g, n.groups.get(g).status().commitIndex());
        } catch (IllegalStateException e) {
            throw new AssertionError(
                    "node " + n.id + " cannot reopen group " + g + " (state machine applied "
                            + applied + ", snapshot file " + n.disk.files(g).meta + ", log " + view.firstIndex() + ".."
                            + view.lastIndex() + " with snapshot " + view.snapshot() + "): " + e.getMessage(),
                    e);
        }
    }

    // ------------------------------------------------------------------ the catalog shape

    /**
     * {@code ArmadaNode.start}: the catalog's state machine, the tables it held when the node
     * stopped (reconciled before the catalog's group opens, so they open on what the catalog had
     * durably applied), then the catalog's group.
     */
    private void startWithCatalog(SimNode n) {
        constructStateMachine(n, CATALOG);
        if (!n.up) {
            return;
        }
        reconcile(n);
        runEngineTasks(n);
        if (n.up) {
            engineOpen(n, CATALOG, List.copyOf(nodes.keySet()));
        }
    }

    /**
     * {@code TableStateMachine}'s constructor: the table store entry created when missing
     * ({@code TableStore.createTable}, a synced write, so it also makes every apply before it
     * durable), the snapshot directory created, and the table restored from a newer snapshot file.
     */
    private void constructStateMachine(SimNode n, long g) {
        MachineState existing = n.disk.tableStore.peek(g);
        if (existing == null || !existing.created) {
            n.disk.tableStore.write(g, m -> m.created = true);
            n.disk.tableStore.sync();
            if (catalogCrashPoint(n, "table " + g + " created in the table store, its snapshot directory not")) {
                return;
            }
        }
        n.disk.files(g);
        if (!model.has(Variation.NO_RESTORE_FROM_NEWER_SNAPSHOT_FILE)) {
            restoreFromNewerSnapshotFile(n, g);
        }
    }

    /**
     * {@code TableGroups.reconcile}: brings the node's tables in line with its catalog as
     * applied (synced first when anything changes), each group's open or removal left to an engine
     * worker; the first reconcile after a start also drops the leftovers of interrupted removals.
     */
    private void reconcile(SimNode n) {
        Set<Long> listed = listedTables(n.disk.machine(CATALOG).applied());
        List<Long> toOpen = listed.stream().filter(t -> !n.tables.contains(t)).toList();
        List<Long> toRemove = n.tables.stream().filter(t -> !listed.contains(t)).toList();
        if (!toOpen.isEmpty() || !toRemove.isEmpty()) {
            if (!model.has(Variation.SKIP_CATALOG_SYNC_BEFORE_RECONCILE)) {
                n.disk.tableStore.sync();
            }
            if (catalogCrashPoint(
                    n, "catalog synced, tables " + toOpen + " not yet opened, " + toRemove + " not yet removed")) {
                return;
            }
        }
        for (long t : toOpen) {
            constructStateMachine(n, t);
            if (!n.up) {
                return;
            }
            n.tables.add(t);
            if (everListed.add(t)) {
                statTablesCreated++;
            }
            n.engineTasks.add(() -> engineOpen(n, t, List.copyOf(nodes.keySet())));
            trace("node " + n.id + " opens table " + t);
        }
        for (long t : toRemove) {
            n.tables.remove(t);
            n.engineTasks.add(() -> removeTable(n, t));
            trace("node " + n.id + " removes table " + t);
        }
        if (n.leftoversChecked) {
            return;
        }
        n.leftoversChecked = true;
        Set<Long> dropped = new TreeSet<>();
        for (long t : n.disk.tableStore.groups()) {
            MachineState m = n.disk.tableStore.peek(t);
            if (t != CATALOG && m != null && m.created && !n.tables.contains(t)) {
                trace("node " + n.id + " drops table " + t + ", which its catalog no longer lists");
                dropped.add(t);
                n.engineTasks.add(() -> removeTable(n, t));
            }
        }
        if (model.has(Variation.KEEP_ORPHAN_SNAPSHOT_DIRECTORIES)) {
            return;
        }
        for (long t : n.disk.fileGroups()) {
            if (t != CATALOG && !n.tables.contains(t) && !dropped.contains(t)) {
                trace("node " + n.id + " deletes the snapshot directory of table " + t
                        + ", which its catalog no longer lists");
                n.disk.removeFiles(t);
            }
        }
    }

    /**
     * {@code RaftEngine.removeGroup} (the core closed, its log deleted in a synced write), then
     * {@code ArmadaNode.dropTableData}: the table store entry dropped (synced) and the snapshot
     * directory deleted.
     */
    private void removeTable(SimNode n, long t) {
        n.groups.remove(t);
        n.proposals.remove(t);
        n.reads.remove(t);
        n.disk.logStore.remove(t);
        n.disk.logStore.sync();
        if (catalogCrashPoint(n, "table " + t + ": its log deleted, its table store entry not")) {
            return;
        }
        MachineState m = n.disk.tableStore.peek(t);
        if (m != null && m.created) {
            n.disk.tableStore.remove(t);
            n.disk.tableStore.sync();
        }
        if (catalogCrashPoint(n, "table " + t + ": its table store entry dropped, its snapshot directory not")) {
            return;
        }
        n.disk.removeFiles(t);
        statTablesRemoved++;
    }

    /** Runs the engine tasks the node has queued; true if it ran any. */
    private boolean runEngineTasks(SimNode n) {
        boolean ran = false;
        while (n.up && !n.engineTasks.isEmpty()) {
            n.engineTasks.poll().run();
            ran = true;
        }
        return ran;
    }

    /** The tables a catalog lists after applying {@code applied}, in order. */
    private Set<Long> listedTables(List<SimStateMachine.Applied> applied) {
        TreeSet<Long> listed = new TreeSet<>();
        for (SimStateMachine.Applied a : applied) {
            apply(listed, catalogChanges.get(a.payload()));
        }
        return listed;
    }

    /** The tables the committed catalog lists (every committed entry the oracle knows). */
    private Set<Long> committedTables() {
        TreeSet<Long> listed = new TreeSet<>();
        for (Committed c : oracle(CATALOG).values()) {
            if (c.type() == EntryType.NORMAL) {
                apply(listed, catalogChanges.get(c.payloadOrHash()));
            }
        }
        return listed;
    }

    private static void apply(Set<Long> listed, CatalogChange change) {
        if (change != null && change.create()) {
            listed.add(change.table());
        } else if (change != null) {
            listed.remove(change.table());
        }
    }

    /** A client's {@code Tables.Create} or {@code Delete}: a new table, or one the node's catalog lists. */
    private void proposeCatalogChange() {
        SimNode n = rnd.nextInt(10) < 8 ? leaderOf(CATALOG) : randomNode(true);
        if (n == null || n.groups.get(CATALOG) == null) {
            return;
        }
        List<Long> listed = List.copyOf(listedTables(n.disk.machine(CATALOG).applied()));
        CatalogChange change = listed.isEmpty() || (listed.size() < MAX_LISTED_TABLES && rnd.nextInt(3) < 2)
                ? new CatalogChange(true, nextTableId++)
                : new CatalogChange(false, listed.get(rnd.nextInt(listed.size())));
        long payload = nextPayload++;
        catalogChanges.put(payload, change);
        ProposeResult r = n.groups.get(CATALOG).propose(SimStateMachine.payload(payload, rnd.nextInt(64)));
        if (r instanceof ProposeResult.Proposed p) {
            n.proposals(CATALOG).put(p.index(), new SimNode.Proposal(p.term(), payload));
            if (change.create()) {
                groupIds.add(change.table());
            }
        }
        trace("node " + n.id + " proposes " + (change.create() ? "create" : "delete") + " table " + change.table()
                + ": " + r);
    }

    /** A crash between two durable steps of a table's open or removal, when one was asked for this node. */
    private boolean catalogCrashPoint(SimNode n, String where) {
        if (!n.crashInCatalogStep || rnd.nextInt(3) != 0) {
            return false;
        }
        trace("node " + n.id + " crashes: " + where);
        statCatalogCrashes++;
        crash(n);
        return true;
    }

    private TreeMap<Long, Committed> oracle(long g) {
        return oracle.computeIfAbsent(g, x -> new TreeMap<>());
    }

    private Set<Long> acked(long g) {
        return acked.computeIfAbsent(g, x -> new TreeSet<>());
    }

    /** As {@code TableStateMachine}'s constructor: a table behind its latest snapshot file is restored from it (synced). */
    private void restoreFromNewerSnapshotFile(SimNode n, long g) {
        SnapshotFiles files = n.disk.files(g);
        if (n.disk.machine(g).appliedIndex < files.meta.index()) {
            trace("node " + n.id + " group " + g + ": state machine behind its snapshot file " + files.meta.index()
                    + "; restored from it");
            SimStateMachine.Decoded decoded = SimStateMachine.decode(files.data);
            n.disk.tableStore.write(g, m -> m.restore(decoded));
            n.disk.tableStore.sync();
        }
    }

    /** As {@code RaftEngine.repairAfterSnapshotInstallCrash}: the log follows a snapshot the state machine installed. */
    private void repairAfterSnapshotInstallCrash(SimNode n, long g) {
        SnapshotMeta installed = n.disk.files(g).meta;
        LogState log = n.disk.log(g);
        boolean logAgrees = model.has(Variation.REPAIR_ONLY_WHEN_LOG_ENDS_BEFORE)
                ? installed.index() <= log.lastStored()
                : log.storedTerm(installed.index()) == installed.term();
        if (installed.index() > log.snapshotOrEmpty().index() && !logAgrees) {
            trace("node " + n.id + " group " + g + ": snapshot file " + installed.index() + " beyond the log ("
                    + log.lastStored() + "); resetting the log after it");
            n.disk.logStore.write(g, s -> {
                s.compact(Long.MAX_VALUE - 1);
                s.recordSnapshot(installed);
                if (!model.has(Variation.REPAIR_KEEPS_STORED_MEMBERSHIP)) {
                    if (s.hardState == null) {
                        s.hardState = HardState.EMPTY;
                    }
                    s.confState = installed.confState();
                }
            });
            n.disk.logStore.sync();
        }
    }

    // ------------------------------------------------------------------ running

    /** Runs the whole scenario; throws AssertionError (with the replay command) on any violation. */
    public Stats run() {
        try {
            for (now = 1; now <= steps; now++) {
                step();
                if (rnd.nextInt(100) < 6) {
                    randomEvent();
                    processAll();
                } else if (!modes.isEmpty() && modes.contains(Mode.LEADER_FAULTS) && rnd.nextInt(100) < 3) {
                    leaderFault(groupIds.get(rnd.nextInt(groupIds.size())));
                    processAll();
                }
                check();
            }
            finish();
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError(
                    "simulation seed " + seed + " failed at time " + now + ": " + e + "\nreplay: "
                            + replayCommand(seed, steps, model, shape, modes) + "\nlast events:\n"
                            + String.join("\n", trace),
                    e);
        }
        return stats();
    }

    private Stats stats() {
        return new Stats(
                statAcked,
                statReads,
                statCrashes,
                statSnapshots,
                statLeaderChanges,
                statConfChanges,
                net.sent,
                statEarlyCrashes,
                statSnapshotsTaken,
                statSnapshotCrashes,
                statTablesCreated,
                statTablesRemoved,
                statCatalogCrashes,
                statLostWrites,
                statIsolatedLeaders);
    }

    // ------------------------------------------------------------------ the scripted Figure 8

    /**
     * The Raft paper's Figure 8 (§5.4.2) played out on five nodes of one group, the seed drawing
     * only the network's delays: (a) S1 leads term t1 and replicates an entry at index a to S2
     * only; (b) S1 crashes, S5 wins term t2 with the votes of S3 and S4 and appends its own entry
     * at a, which it is cut off before sending; (c) S5 crashes, S1 restarts and wins term t3 with S2
     * and S3, and replicates its term-t1 entry to S3: it is now on a majority (S1, S2, S3), yet S1
     * must not commit it, as no entry of t3 is on a majority; (d) S1 crashes before its own no-op
     * reaches S3, S5 restarts and wins term t4 with S3 and S4, and overwrites index a on S3 with
     * its term-t2 entry. A leader that committed the old entry by counting replicas is caught as a
     * committed entry overwritten. Elections come only from the script (election timeouts of 1,000
     * ticks, no PreVote or CheckQuorum, so a campaign needs no lease to expire); one entry per
     * append and one append in flight, so S3 gets index a alone before S1's no-op. Then the
     * simulation's end: healed, every node up, all converge.
     */
    public static Stats figure8(long seed) {
        RaftConfig config = RaftConfig.defaults()
                .withTicks(1000, 2)
                .withFlowControl(1, 1, 1 << 20)
                .withElectionSafety(false, false);
        Simulation sim = new Simulation(seed, 0, NodeModel.ENGINE, Shape.GROUPS, Set.of(), new Scripted(5, config));
        try {
            sim.figure8Script();
            sim.finish();
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError(
                    "figure 8 scenario, seed " + seed + ", failed at time " + sim.now + ": " + e
                            + "\nreplay: mvn -B -pl armada-raft test -Dtest=RaftSimulationTest#figure8 -Dsim.seed="
                            + seed
                            + "\nlast events:\n" + String.join("\n", sim.trace),
                    e);
        }
        return sim.stats();
    }

    private void figure8Script() {
        net.maxDelay = 5;
        elect(1);
        long first = core(1).status().lastIndex();
        runUntil(
                "every node holds S1's no-op, committed",
                1000,
                () -> nodes.values().stream()
                        .allMatch(n -> n.groups.get(1L).status().commitIndex() >= first));
        long t1 = core(1).status().term();
        long a = first + 1;
        // (a)
        for (long x = 3; x <= 5; x++) {
            net.cut(1, x);
        }
        proposeOn(nodes.get(1L), 1);
        runUntil("S2 holds S1's term-" + t1 + " entry at " + a, 500, () -> core(2).term(a) == t1);
        // (b)
        crash(nodes.get(1L));
        isolate(2);
        elect(5);
        isolate(5); // its appends are on the wire: the cut drops them on delivery
        long t2 = core(5).status().term();
        require(core(5).term(a) == t2, "S5 appended its own term-" + t2 + " entry at " + a);
        crash(nodes.get(5L));
        settle();
        // (c)
        restart(nodes.get(1L));
        net.healAll();
        isolate(4);
        elect(1);
        long t3 = core(1).status().term();
        net.cut(1, 3); // S2 gets S1's no-op first, so that S3 then gets index a alone
        runUntil(
                "S1 knows S2 holds its term-" + t3 + " no-op at " + (a + 1),
                500,
                () -> core(1).progress().get(2L).match() >= a + 1);
        net.healAll();
        isolate(4);
        runUntil(
                "S1 knows S3 holds its term-" + t1 + " entry at " + a,
                500,
                () -> core(1).progress().get(3L).match() >= a);
        trace("figure 8 (c): index " + a + " of term " + t1 + " is on S1, S2 and S3; S1's commit index is "
                + core(1).status().commitIndex());
        // (d)
        isolate(1); // its no-op to S3 is on the wire: dropped
        crash(nodes.get(1L));
        settle();
        restart(nodes.get(5L));
        net.healAll();
        isolate(2);
        elect(5);
        runUntil(
                "S5 commits its no-op at " + (a + 1),
                500,
                () -> core(5).status().commitIndex() >= a + 1);
        require(
                core(3).term(a) == t2,
                "S5 overwrote S3's term-" + t1 + " entry at " + a + " with its term-" + t2 + " one");
        trace("figure 8 (d): index " + a + " is now S5's term-" + t2 + " entry on S3, S4 and S5");
    }

    private io.armada.raft.core.RaftCore core(long node) {
        return (io.armada.raft.core.RaftCore) nodes.get(node).groups.get(1L);
    }

    private static void require(boolean reached, String what) {
        if (!reached) {
            throw new AssertionError("the scenario did not reach its state: " + what);
        }
    }

    /** Campaigns on {@code node} until it leads group 1 (a campaign lost to a higher term is retried). */
    private void elect(long node) {
        SimNode n = nodes.get(node);
        long deadline = now + 2000;
        while (n.groups.get(1L).status().role() != RaftRole.LEADER) {
            if (now >= deadline) {
                StringBuilder sb = new StringBuilder("the scenario did not reach its state: S" + node + " leads;");
                for (SimNode o : nodes.values()) {
                    sb.append("\n  ").append(o.up ? o.groups.get(1L).status().toString() : "node " + o.id + " down");
                }
                throw new AssertionError(sb.toString());
            }
            if (now % 50 == 0) {
                n.groups.get(1L).campaign();
                processReadys(n);
            }
            scriptStep();
        }
        trace("reached: S" + node + " leads term " + n.groups.get(1L).status().term());
    }

    private void runUntil(String what, long within, java.util.function.BooleanSupplier reached) {
        long deadline = now + within;
        while (!reached.getAsBoolean()) {
            if (now >= deadline) {
                throw new AssertionError("the scenario did not reach its state within " + within + ": " + what);
            }
            scriptStep();
        }
        trace("reached: " + what);
    }

    /** Lets every message on the wire arrive or be dropped by the cuts now in place, before they heal. */
    private void settle() {
        for (int i = 0; i <= net.maxDelay; i++) {
            scriptStep();
        }
    }

    private void scriptStep() {
        now++;
        step();
        processAll();
        check();
    }

    private void proposeOn(SimNode n, long g) {
        long payload = nextPayload++;
        if (n.groups.get(g).propose(SimStateMachine.payload(payload, 8)) instanceof ProposeResult.Proposed p) {
            n.proposals(g).put(p.index(), new SimNode.Proposal(p.term(), payload));
        }
        processReadys(n);
    }

    public static String replayCommand(long seed, long steps) {
        return replayCommand(seed, steps, NodeModel.ENGINE);
    }

    public static String replayCommand(long seed, long steps, NodeModel model) {
        return replayCommand(seed, steps, model, Shape.GROUPS);
    }

    public static String replayCommand(long seed, long steps, NodeModel model, Shape shape) {
        return replayCommand(seed, steps, model, shape, Set.of());
    }

    public static String replayCommand(long seed, long steps, NodeModel model, Shape shape, Set<Mode> modes) {
        return "mvn -B -pl armada-raft test -Dtest=RaftSimulationTest#manySeeds -Dsim.seed=" + seed + " -Dsim.steps="
                + steps + (model == NodeModel.ENGINE ? "" : " -Dsim.model=" + model.name())
                + (shape == Shape.GROUPS ? "" : " -Dsim.shape=" + shape.name().toLowerCase(java.util.Locale.ROOT))
                + (modes.isEmpty() ? "" : " -Dsim.modes=" + Mode.names(modes));
    }

    private void step() {
        if (!modes.isEmpty() && modes.contains(Mode.ASYNC_PERSIST)) {
            completePendingWrites();
        }
        for (Message m : net.due(now)) {
            SimNode n = nodes.get(m.to());
            if (n == null || !n.up) {
                continue;
            }
            RaftGroup core = n.groups.get(m.groupId());
            if (core == null) {
                continue; // the group is not open here (yet, or any more): the engine drops it
            }
            core.step(m);
            checkNewCommits(n, m.groupId(), core);
            processReadys(n);
        }
        for (SimNode n : nodes.values()) {
            if (n.up && (now + n.tickOffset) % TICK_TIME == 0) {
                for (RaftGroup g : List.copyOf(n.groups.values())) {
                    g.tick();
                }
                processReadys(n);
            }
        }
    }

    private void processAll() {
        for (SimNode n : nodes.values()) {
            processReadys(n);
        }
    }

    private void processReadys(SimNode n) {
        boolean more = true;
        while (more && n.up) {
            more = false;
            for (Map.Entry<Long, RaftGroup> e : List.copyOf(n.groups.entrySet())) {
                if (n.groups.get(e.getKey()) == e.getValue() && e.getValue().hasReady()) {
                    handleReady(n, e.getKey(), e.getValue());
                    more = true;
                    if (!n.up) {
                        return;
                    }
                }
            }
            more |= runEngineTasks(n);
        }
    }

    /**
     * The engine contract as {@code Worker} runs it: send a leader's appends, persist (sync if
     * needed), send the rest, apply, advance, maybe take a snapshot.
     */
    private void handleReady(SimNode n, long g, RaftGroup core) {
        Ready rd = core.ready();
        for (Message m : rd.messagesBeforePersist()) {
            net.send(now, m);
        }
        if (n.crashInNextReady && !rd.messagesBeforePersist().isEmpty() && rnd.nextBoolean()) {
            trace("node " + n.id + " crashes after sending a leader's appends of group " + g + " (before persisting)");
            statEarlyCrashes++;
            crash(n);
            return;
        }
        if (modes.contains(Mode.ASYNC_PERSIST)
                && rd.hasPersistWork()
                && rd.snapshot() == null
                && rd.snapshotChunks().isEmpty()
                && rnd.nextInt(4) != 0) {
            // the write is under way: the core sees messages, ticks and proposals before it completes
            n.pendingWrites.put(g, new SimNode.PendingWrite(core, rd, now));
            return;
        }
        if (!persist(n, g, rd)) {
            return; // crashed in a snapshot install
        }
        afterPersist(n, g, core, rd);
    }

    /**
     * {@link Mode#ASYNC_PERSIST}: completes each pending write with probability 1/2 per time unit
     * (its late messages, applies and the core's advance follow, as they do a synchronous persist).
     */
    private void completePendingWrites() {
        for (SimNode n : nodes.values()) {
            for (Map.Entry<Long, SimNode.PendingWrite> e : List.copyOf(n.pendingWrites.entrySet())) {
                if (!n.up || rnd.nextBoolean() || n.pendingWrites.get(e.getKey()) != e.getValue()) {
                    continue;
                }
                long g = e.getKey();
                SimNode.PendingWrite w = n.pendingWrites.remove(g);
                if (n.groups.get(g) != w.core()) {
                    continue; // the group was removed meanwhile
                }
                persist(n, g, w.ready());
                trace("node " + n.id + " group " + g + ": the write started at " + w.since() + " completes");
                afterPersist(n, g, w.core(), w.ready());
                processReadys(n);
            }
        }
    }

    /** The rest of a Ready once its write is durable (as {@link #persist} leaves it): send, apply, advance, maybe snapshot. */
    private void afterPersist(SimNode n, long g, RaftGroup core, Ready rd) {
        if (n.crashInNextReady) {
            trace("node " + n.id + " crashes after persisting a Ready of group " + g + " (before sending)");
            crash(n);
            return;
        }
        for (Message m : rd.allMessages()) {
            net.send(now, m);
        }
        for (Entry e : rd.committedEntries()) {
            apply(n, g, e);
            if (shape == Shape.CATALOG && g == CATALOG) {
                reconcile(n); // TableStateMachine's onApplied, after every catalog entry
                if (!n.up) {
                    return;
                }
            }
        }
        for (ReadState rs : rd.readStates()) {
            checkRead(n, g, rs);
        }
        if (rd.softState() != null && rd.softState().role() == RaftRole.LEADER) {
            statLeaderChanges++;
            trace("node " + n.id + " leads group " + g + " at term "
                    + core.status().term());
            if (isolateNextLeader && !finalPhase) {
                // its appends are on the wire: the cut drops them on delivery, so its no-op stays its own
                isolateNextLeader = false;
                isolate(n.id);
                statIsolatedLeaders++;
                trace("isolate " + n.id + " as it is elected");
            }
        }
        core.advance(rd);
        checkNewCommits(n, g, core);
        maybeSnapshot(n, g, core);
    }

    /**
     * {@code Worker.persist}: stage inbound chunks in the snapshot files; install a complete
     * snapshot into the state machine (snapshot file published, then the table store replaced in
     * a synced write); then one log-store write resets the log after the snapshot and stores
     * entries and hard state, synced when the Ready must be. False if the node crashed.
     */
    private boolean persist(SimNode n, long g, Ready rd) {
        if (!rd.hasPersistWork()) {
            return true;
        }
        SnapshotFiles files = n.disk.files(g);
        for (SnapshotChunk c : rd.snapshotChunks()) {
            files.stage(c);
        }
        SnapshotMeta meta = rd.snapshot();
        if (meta != null) {
            byte[] data = files.staged(meta);
            SimStateMachine.Decoded decoded = SimStateMachine.decode(data);
            if (decoded.appliedIndex() != meta.index()) {
                throw new AssertionError("node " + n.id + " group " + g + " installs snapshot " + meta
                        + " whose data is the state at " + decoded.appliedIndex());
            }
            files.stagingPublished(); // staging.data is renamed to the data file
            if (!publishSnapshotFile(n, g, meta, data, "installing snapshot " + meta.index())) {
                return false;
            }
            if (crashPoint(
                    n, g, "installing snapshot " + meta.index() + ": file published, table store not replaced")) {
                return false;
            }
            n.disk.tableStore.write(g, m -> m.restore(decoded));
            n.disk.tableStore.sync();
            if (shape == Shape.CATALOG && g == CATALOG) {
                reconcile(n); // installSnapshot's onApplied
                if (!n.up) {
                    return false;
                }
            }
            if (crashPoint(n, g, "installing snapshot " + meta.index() + ": table store replaced, log not reset")) {
                return false;
            }
        }
        n.disk.logStore.write(g, s -> {
            if (meta != null) {
                s.compact(Long.MAX_VALUE - 1);
                s.recordSnapshot(meta);
            }
            if (!rd.entries().isEmpty()) {
                s.append(rd.entries());
            }
            if (rd.hardState() != null || rd.confState() != null) {
                if (s.hardState == null) {
                    s.hardState = HardState.EMPTY;
                    s.confState = s.snapshotOrEmpty().confState();
                }
                if (rd.hardState() != null) {
                    s.hardState = rd.hardState();
                }
                if (rd.confState() != null) {
                    s.confState = rd.confState();
                }
            }
        });
        if (rd.mustSync()) {
            n.disk.logStore.sync();
        }
        if (meta != null) {
            checkInstalledSnapshot(n, g, meta);
        }
        return true;
    }

    /**
     * {@code Worker.maybeSnapshot}: once {@link #snapshotThreshold} entries were applied since the
     * log's snapshot, the state machine writes a snapshot file (fsynced: durable at once), syncs its
     * applies, and the log store records the snapshot and compacts in one synced write. A crash
     * may come between any two of these.
     */
    private void maybeSnapshot(SimNode n, long g, RaftGroup core) {
        if (!n.up) {
            return;
        }
        LogState log = n.disk.log(g);
        MachineState machine = n.disk.machine(g);
        long at = machine.appliedIndex;
        if (at - log.snapshotOrEmpty().index() < snapshotThreshold) {
            return;
        }
        RaftStatus st = core.status();
        if (st.appliedIndex() != at) {
            throw new IllegalStateException(
                    "group " + g + ": core applied " + st.appliedIndex() + " but the state machine applied " + at);
        }
        SnapshotMeta meta = new SnapshotMeta(at, log.term(at), st.confState());
        statSnapshotsTaken++;
        if (!publishSnapshotFile(n, g, meta, SimStateMachine.encode(at, machine.applied()), "snapshot " + at)) {
            return;
        }
        if (crashPoint(n, g, "snapshot " + at + " written, applies not synced")) {
            return;
        }
        if (!model.has(Variation.SKIP_SYNC_APPLIED)) {
            n.disk.tableStore.sync();
            if (crashPoint(n, g, "snapshot " + at + " written and applies synced, log not told")) {
                return;
            }
        }
        long compactThrough = at - compactionRetain;
        n.disk.logStore.write(g, s -> {
            s.recordSnapshot(meta);
            if (compactThrough > 0) {
                s.compact(compactThrough);
            }
        });
        n.disk.logStore.sync();
        trace("node " + n.id + " group " + g + " snapshots at " + at + " and compacts through " + compactThrough);
        crashPoint(n, g, "snapshot " + at + " recorded in the log");
    }

    /**
     * {@code SnapshotFiles.publish}: the data file under the snapshot's name, then the meta's rename
     * (the commit point); a crash between leaves the old meta and its data file. False if crashed.
     */
    private boolean publishSnapshotFile(SimNode n, long g, SnapshotMeta meta, byte[] data, String what) {
        SnapshotFiles files = n.disk.files(g);
        if (model.has(Variation.ONE_SNAPSHOT_DATA_FILE)) {
            files.data = data; // snapshot.data replaced before the meta names it
        }
        if (crashPoint(n, g, what + ": data file renamed into place, meta not")) {
            return false;
        }
        files.data = data;
        files.meta = meta;
        return true;
    }

    /** A crash between two durable steps of a snapshot, when one was asked for this node. */
    private boolean crashPoint(SimNode n, long g, String where) {
        if (!n.crashInSnapshot || rnd.nextInt(3) != 0) {
            return false;
        }
        trace("node " + n.id + " crashes in group " + g + ": " + where);
        statSnapshotCrashes++;
        crash(n);
        return true;
    }

    private void apply(SimNode n, long g, Entry e) {
        MachineState s = n.disk.machine(g);
        if (e.index() != s.appliedIndex + 1) {
            throw new AssertionError(
                    "node " + n.id + " group " + g + " applies " + e.index() + " after " + s.appliedIndex);
        }
        Committed c = committedOf(e);
        Committed prior = oracle(g).putIfAbsent(e.index(), c);
        if (prior != null && !prior.equals(c)) {
            throw new AssertionError("group " + g + " index " + e.index() + " committed as " + prior + " but node "
                    + n.id + " applies " + c);
        }
        CommitClaim claim = committedTerms(g).get(e.index());
        if (claim != null && claim.term() != e.term()) {
            throw new AssertionError("committed entry overwritten: group " + g + " index " + e.index()
                    + " was committed"
                    + " at term " + claim.term() + " (node " + claim.node() + "'s commit index covered it at time "
                    + claim.at() + ") but node " + n.id + " applies an entry of term " + e.term() + " there");
        }
        long payload = e.type() == EntryType.NORMAL ? SimStateMachine.payloadId(e.data()) : 0;
        if (e.type() == EntryType.NORMAL && s.appliedPayloads.contains(payload)) {
            throw new AssertionError("node " + n.id + " group " + g + " applies payload " + payload + " twice");
        }
        n.disk.tableStore.write(g, st -> {
            st.appliedIndex = e.index();
            if (e.type() == EntryType.NORMAL) {
                st.applied.add(new SimStateMachine.Applied(e.index(), e.term(), payload));
                st.appliedPayloads.add(payload);
            }
        });
        SimNode.Proposal p = n.proposals(g).remove(e.index());
        if (p != null && p.term() == e.term()) {
            if (p.payload() != payload) {
                throw new AssertionError("proposal at " + e.term() + "/" + e.index() + " was payload " + p.payload()
                        + " but applied " + payload);
            }
            acked(g).add(payload); // the client is told: committed
            statAcked++;
        }
    }

    private static Committed committedOf(Entry e) {
        return switch (e.type()) {
            case NORMAL -> new Committed(e.term(), e.type(), SimStateMachine.payloadId(e.data()));
            case CONF_CHANGE -> new Committed(e.term(), e.type(), Arrays.hashCode(e.data()));
            case NOOP -> new Committed(e.term(), e.type(), 0);
        };
    }

    /** The installed state machine must hold exactly the committed proposals up to the snapshot. */
    private void checkInstalledSnapshot(SimNode n, long g, SnapshotMeta meta) {
        statSnapshots++;
        trace("node " + n.id + " installs snapshot " + meta.term() + "/" + meta.index() + " of group " + g);
        MachineState s = n.disk.machine(g);
        TreeSet<Long> expected = new TreeSet<>();
        for (Map.Entry<Long, Committed> e :
                oracle(g).headMap(meta.index(), true).entrySet()) {
            if (e.getValue().type() == EntryType.NORMAL) {
                expected.add(e.getKey());
            }
        }
        TreeSet<Long> got = new TreeSet<>();
        for (SimStateMachine.Applied a : s.applied) {
            Committed c = oracle(g).get(a.index());
            if (c == null || c.term() != a.term() || c.payloadOrHash() != a.payload()) {
                throw new AssertionError("snapshot " + meta + " holds " + a + " but the committed entry is " + c);
            }
            got.add(a.index());
        }
        if (!expected.equals(got)) {
            throw new AssertionError("snapshot " + meta + " of group " + g + " holds " + got.size()
                    + " proposals, committed up to it: " + expected.size());
        }
        n.proposals(g).headMap(meta.index(), true).clear(); // their outcome is unknown to this node now
    }

    private void checkRead(SimNode n, long g, ReadState rs) {
        SimNode.PendingRead r = n.reads(g).remove(rs.requestId());
        if (r == null) {
            return; // a request from before a crash
        }
        if (rs.index() < r.minIndex()) {
            throw new AssertionError("ReadIndex " + rs + " on node " + n.id + " group " + g + " is below commit "
                    + r.minIndex() + " known when the read started at " + r.startedAt());
        }
        if (rs.index() > maxCommitSeen.getOrDefault(g, 0L)) {
            throw new AssertionError(
                    "ReadIndex " + rs + " beyond any commit index seen (" + maxCommitSeen.get(g) + ")");
        }
        statReads++;
    }

    private void check() {
        for (SimNode n : nodes.values()) {
            if (!n.up) {
                continue;
            }
            for (Map.Entry<Long, RaftGroup> e : n.groups.entrySet()) {
                long g = e.getKey();
                RaftStatus st = e.getValue().status();
                if (st.role() == RaftRole.LEADER) {
                    Long prior = leaderOfTerm.putIfAbsent(List.of(g, st.term()), n.id);
                    if (prior != null && prior != n.id) {
                        throw new AssertionError(
                                "two leaders of group " + g + " in term " + st.term() + ": " + prior + " and " + n.id);
                    }
                }
                maxCommitSeen.merge(g, st.commitIndex(), Math::max);
                checkCommittedPrefix(n, g, e.getValue(), st.commitIndex());
            }
        }
    }

    /**
     * Every entry a node's commit index covers is committed: no node may ever hold another term at
     * that index within its own commit index (Raft §5.4, Leader Completeness and State Machine
     * Safety), and no node may apply another. Checked on the commit index itself, so an entry
     * committed too early is caught when another leader overwrites it, before any node applied it.
     */
    private void checkCommittedPrefix(SimNode n, long g, RaftGroup group, long commit) {
        if (!(group instanceof io.armada.raft.core.RaftCore core)) {
            return;
        }
        // at and below the node's snapshot the log no longer holds terms (the snapshot checks cover those)
        long from = Math.max(
                        n.commitChecked.getOrDefault(g, 0L),
                        n.disk.log(g).snapshotOrEmpty().index())
                + 1;
        TreeMap<Long, CommitClaim> claims = committedTerms(g);
        for (long i = from; i <= commit; i++) {
            long t = core.term(i);
            if (t <= 0) {
                continue; // not in its log (compacted, or a snapshot being installed)
            }
            CommitClaim prior = claims.putIfAbsent(i, new CommitClaim(t, n.id, now));
            if (prior != null && prior.term() != t) {
                throw new AssertionError("committed entry overwritten: group " + g + " index " + i + " was committed at"
                        + " term " + prior.term() + " (node " + prior.node() + "'s commit index covered it at time "
                        + prior.at() + ") but node " + n.id + "'s commit index " + commit + " covers an entry of term "
                        + t + " there");
            }
            Committed applied = oracle(g).get(i);
            if (applied != null && applied.term() != t) {
                throw new AssertionError(
                        "committed entry overwritten: group " + g + " index " + i + " was applied as " + applied
                                + " but node " + n.id + "'s commit index " + commit + " covers an entry of term " + t);
            }
        }
        n.commitChecked.merge(g, commit, Math::max);
    }

    /**
     * Raft §5.3: an entry is committed once it is stored on a majority. Checked right after each
     * call into a leader that may advance its commit index (a message stepped, a Ready's advance),
     * against the voters it counted then: the disks (what a crash keeps, plus writes not yet
     * synced, of which a Ready with entries has none) of a majority of them, up or down, hold each
     * newly committed entry or a snapshot past it. A leader that counted an entry of its own before
     * its write completed fails here, before any crash loses it.
     */
    private void checkNewCommits(SimNode n, long g, RaftGroup group) {
        if (!n.up || n.groups.get(g) != group || !(group instanceof io.armada.raft.core.RaftCore core)) {
            return;
        }
        RaftStatus st = core.status();
        long from = Math.max(
                        n.majorityChecked.getOrDefault(g, 0L),
                        n.disk.log(g).snapshotOrEmpty().index())
                + 1;
        if (st.role() == RaftRole.LEADER) {
            for (long i = from; i <= st.commitIndex(); i++) {
                long t = core.term(i);
                if (t > 0) {
                    checkOnAMajority(n, g, i, t, st.confState());
                }
            }
        }
        n.majorityChecked.merge(g, st.commitIndex(), Math::max);
    }

    private void checkOnAMajority(SimNode leader, long g, long index, long term, ConfState conf) {
        List<Long> holders = new ArrayList<>();
        for (long voter : conf.voters()) {
            LogState log = nodes.get(voter).disk.logStore.peek(g);
            if (log == null) {
                // catalog shape: the table's log is deleted there (it applied the delete): it may have held the entry
                holders.add(voter);
            } else if (log.storedTerm(index) == term || log.snapshotOrEmpty().index() >= index) {
                holders.add(voter);
            }
        }
        if (holders.size() <= conf.voters().size() / 2) {
            throw new AssertionError("committed entry not on a majority: node " + leader.id + " commits group " + g
                    + " index " + index + " of term " + term + " but only " + holders + " of voters " + conf.voters()
                    + " have it on disk");
        }
    }

    private TreeMap<Long, CommitClaim> committedTerms(long g) {
        return committedTerms.computeIfAbsent(g, x -> new TreeMap<>());
    }

    // ------------------------------------------------------------------ random events

    private void randomEvent() {
        int roll = rnd.nextInt(100);
        long g = shape == Shape.CATALOG ? pickCatalogShapeGroup() : groupIds.get(rnd.nextInt(groupIds.size()));
        if (!modes.isEmpty() && modes.contains(Mode.LEADER_FAULTS) && roll % 3 == 0) {
            leaderFault(g);
            return;
        }
        if (roll < 40) {
            if (shape == Shape.CATALOG && g == CATALOG) {
                proposeCatalogChange();
            } else {
                propose(g);
            }
        } else if (roll < 55) {
            read(g);
        } else if (roll < 58) {
            crash(randomNode(true));
        } else if (roll < 59) {
            SimNode n = randomNode(true);
            if (n != null) {
                n.crashInNextReady = true;
            }
        } else if (roll < 66) {
            restart(randomNode(false));
        } else if (roll < 69) {
            long a = 1 + rnd.nextInt(nodes.size());
            long b = 1 + rnd.nextInt(nodes.size());
            if (a != b) {
                net.cut(a, b);
                trace("cut " + a + " <-> " + b);
            }
        } else if (roll < 71) {
            long a = 1 + rnd.nextInt(nodes.size());
            long b = 1 + rnd.nextInt(nodes.size());
            if (a != b) {
                net.cutGroup(g, a, b);
                trace("cut group " + g + " " + a + " <-> " + b);
            }
        } else if (roll < 72) {
            long a = 1 + rnd.nextInt(nodes.size());
            for (long b : nodes.keySet()) {
                if (b != a) {
                    net.cut(a, b);
                }
            }
            trace("isolate " + a);
        } else if (roll < 78) {
            net.healAll();
            trace("heal");
        } else if (roll < 82) {
            changeMembership(g);
        } else if (roll < 85) {
            transfer(g);
        } else if (roll < 92) {
            SimNode n = randomNode(true);
            if (n != null) {
                n.crashInSnapshot = true;
            }
        } else if (roll < 94) {
            net.dropRate = new double[] {0, 0, 0.01, 0.05, 0.2}[rnd.nextInt(5)];
            net.duplicateRate = new double[] {0, 0.02, 0.1}[rnd.nextInt(3)];
            net.maxDelay = new int[] {2, 10, 20, 40}[rnd.nextInt(4)];
            trace("network drop=" + net.dropRate + " dup=" + net.duplicateRate + " delay<=" + net.maxDelay);
        } else if (roll < 98 && shape == Shape.CATALOG) {
            SimNode n = randomNode(true);
            if (n != null) {
                n.crashInCatalogStep = true;
            }
        }
    }

    /**
     * {@link Mode#LEADER_FAULTS}: the leader crashes, or is cut off with one follower (it replicates
     * to a minority), or the next leader is cut off as it is elected; down nodes restart and
     * partitions heal often, so the leaders of Figure 8 follow one another (Raft §5.4.2).
     */
    private void leaderFault(long g) {
        SimNode leader = leaderOf(g);
        int roll = rnd.nextInt(10);
        if (roll < 3 && leader != null) {
            RaftStatus st = leader.groups.get(g).status();
            if (st.lastIndex() > st.commitIndex()) {
                crash(leader); // with entries only some followers may hold
            } else if (shape == Shape.GROUPS) {
                propose(g); // an entry the next fault may catch on its way
            }
        } else if (roll < 5 && leader != null) {
            List<Long> others =
                    nodes.keySet().stream().filter(x -> x != leader.id).toList();
            long buddy = others.get(rnd.nextInt(others.size()));
            for (long x : others) {
                if (x != buddy) {
                    net.cut(leader.id, x);
                    net.cut(buddy, x);
                }
            }
            trace("cut leader " + leader.id + " and " + buddy + " off from the rest");
        } else if (roll < 7) {
            restart(randomNode(false));
        } else if (roll < 9) {
            net.healAll();
            trace("heal");
        } else {
            isolateNextLeader = true;
        }
    }

    private void isolate(long a) {
        for (long b : nodes.keySet()) {
            if (b != a) {
                net.cut(a, b);
            }
        }
    }

    /** The catalog a quarter of the time, else any table ever proposed (deleted or never created ones too). */
    private long pickCatalogShapeGroup() {
        if (groupIds.size() == 1 || rnd.nextInt(4) == 0) {
            return CATALOG;
        }
        return groupIds.get(1 + rnd.nextInt(groupIds.size() - 1));
    }

    private SimNode randomNode(boolean up) {
        List<SimNode> candidates =
                nodes.values().stream().filter(n -> n.up == up).toList();
        return candidates.isEmpty() ? null : candidates.get(rnd.nextInt(candidates.size()));
    }

    /** The live leader of the highest term, if any. */
    private SimNode leaderOf(long g) {
        SimNode best = null;
        long bestTerm = -1;
        for (SimNode n : nodes.values()) {
            if (n.up && n.groups.get(g) != null) {
                RaftStatus st = n.groups.get(g).status();
                if (st.role() == RaftRole.LEADER && st.term() > bestTerm) {
                    best = n;
                    bestTerm = st.term();
                }
            }
        }
        return best;
    }

    private void propose(long g) {
        SimNode n = rnd.nextInt(10) < 8 ? leaderOf(g) : randomNode(true);
        if (n == null || n.groups.get(g) == null) {
            return;
        }
        long payload = nextPayload++;
        ProposeResult r = n.groups.get(g).propose(SimStateMachine.payload(payload, rnd.nextInt(64)));
        if (r instanceof ProposeResult.Proposed p) {
            n.proposals(g).put(p.index(), new SimNode.Proposal(p.term(), payload));
        }
    }

    private void read(long g) {
        SimNode n = randomNode(true);
        if (n == null || n.groups.get(g) == null) {
            return;
        }
        long min = maxCommitSeen.getOrDefault(g, 0L);
        for (SimNode o : nodes.values()) {
            if (o.up && o.groups.get(g) != null) {
                min = Math.max(min, o.groups.get(g).status().commitIndex());
            }
        }
        maxCommitSeen.put(g, min);
        long id = nextReadId++;
        if (n.groups.get(g).readIndex(id) instanceof RequestResult.Accepted) {
            n.reads(g).put(id, new SimNode.PendingRead(min, now));
        }
    }

    private void crash(SimNode n) {
        if (n == null) {
            return;
        }
        trace("crash node " + n.id);
        statCrashes++;
        for (Map.Entry<Long, SimNode.PendingWrite> e : n.pendingWrites.entrySet()) {
            // the process dies with a write under way: it reached the disk, or it did not
            if (n.groups.get(e.getKey()) == e.getValue().core() && rnd.nextBoolean()) {
                trace("node " + n.id + " group " + e.getKey() + ": the write started at "
                        + e.getValue().since() + " reached the disk before the crash");
                persist(n, e.getKey(), e.getValue().ready());
            } else {
                trace("node " + n.id + " group " + e.getKey() + ": the write started at "
                        + e.getValue().since() + " is lost");
                statLostWrites++;
            }
        }
        n.crash(rnd);
    }

    private void restart(SimNode n) {
        if (n == null) {
            return;
        }
        trace("restart node " + n.id);
        n.up = true;
        openCores(n);
    }

    private void changeMembership(long g) {
        SimNode leader = leaderOf(g);
        if (leader == null || (shape == Shape.CATALOG && g == CATALOG)) {
            return; // every node runs the catalog, with the members of its configuration
        }
        ConfState conf = leader.groups.get(g).status().confState();
        long x = 1 + rnd.nextInt(nodes.size());
        ConfChange.ConfChangeType type;
        if (conf.voters().contains(x)) {
            if (conf.voters().size() <= 1) {
                return;
            }
            type = rnd.nextBoolean() ? ConfChange.ConfChangeType.REMOVE_NODE : ConfChange.ConfChangeType.ADD_LEARNER;
        } else if (conf.learners().contains(x)) {
            type = rnd.nextInt(3) < 2 ? ConfChange.ConfChangeType.ADD_VOTER : ConfChange.ConfChangeType.REMOVE_NODE;
        } else {
            type = rnd.nextInt(3) < 2 ? ConfChange.ConfChangeType.ADD_LEARNER : ConfChange.ConfChangeType.ADD_VOTER;
        }
        ProposeResult r = leader.groups.get(g).proposeConfChange(new ConfChange(type, x));
        trace("group " + g + " leader " + leader.id + " proposes " + type + " " + x + " on " + conf + ": " + r);
        if (r instanceof ProposeResult.Proposed) {
            statConfChanges++;
        }
    }

    private void transfer(long g) {
        SimNode leader = leaderOf(g);
        if (leader == null) {
            return;
        }
        List<Long> voters =
                new ArrayList<>(leader.groups.get(g).status().confState().voters());
        long to = voters.get(rnd.nextInt(voters.size()));
        RequestResult r = leader.groups.get(g).transferLeadership(to);
        trace("group " + g + " leader " + leader.id + " transfers to " + to + ": " + r);
    }

    // ------------------------------------------------------------------ the end

    /**
     * Heals everything, restarts every node, and requires every group to converge (with PreVote or
     * CheckQuorum on, as every node runs).
     */
    private void finish() {
        finalPhase = true;
        net.healAll();
        net.dropRate = 0;
        net.duplicateRate = 0;
        net.maxDelay = 10;
        for (SimNode n : nodes.values()) {
            n.crashInNextReady = false;
            n.crashInSnapshot = false;
            n.crashInCatalogStep = false;
            if (!n.up) {
                restart(n);
            }
        }
        trace("final phase: healed, all nodes up");
        long deadline = now + 400L * TICK_TIME;
        Map<Long, Long> markers = new TreeMap<>();
        while (now < deadline) {
            now++;
            step();
            if (now % (5 * TICK_TIME) == 0) {
                for (long g : liveGroups()) {
                    if (!markers.containsKey(g) || !leaderStillHolds(g, markers.get(g))) {
                        SimNode leader = leaderOf(g);
                        if (leader != null
                                && leader.groups.get(g).propose(SimStateMachine.payload(nextPayload, 0))
                                        instanceof ProposeResult.Proposed p) {
                            leader.proposals(g).put(p.index(), new SimNode.Proposal(p.term(), nextPayload));
                            markers.put(g, nextPayload++);
                        }
                    }
                }
            }
            processAll();
            check();
            if (markers.keySet().containsAll(liveGroups()) && converged(markers)) {
                verifyFinalState();
                return;
            }
        }
        if (!config.preVote() && !config.checkQuorum()) {
            // without either, a member removed while it was down never learns of it and forces
            // elections forever (Raft thesis 4.2.3; seed 213102); nodes always run with both, so
            // such configurations are checked for safety only
            trace("no convergence after healing; tolerated without PreVote and CheckQuorum");
            return;
        }
        StringBuilder sb = new StringBuilder("no convergence after healing:");
        for (long g : liveGroups()) {
            sb.append("\n group ").append(g).append(':');
            for (SimNode n : nodes.values()) {
                if (n.groups.get(g) == null) {
                    sb.append("\n  node ").append(n.id).append(": not open");
                    continue;
                }
                sb.append("\n  ").append(n.groups.get(g).status());
                if (n.groups.get(g) instanceof io.armada.raft.core.RaftCore core
                        && core.status().role() == RaftRole.LEADER) {
                    sb.append("\n  progress: ").append(core.progress());
                }
            }
        }
        throw new AssertionError(sb.toString());
    }

    private boolean leaderStillHolds(long g, long marker) {
        SimNode leader = leaderOf(g);
        return leader != null
                && (acked(g).contains(marker)
                        || leader.proposals(g).values().stream().anyMatch(p -> p.payload() == marker));
    }

    private boolean converged(Map<Long, Long> markers) {
        List<Long> live = liveGroups();
        if (shape == Shape.CATALOG) {
            for (SimNode n : nodes.values()) {
                if (!n.engineTasks.isEmpty() || !n.groups.keySet().equals(new TreeSet<>(live))) {
                    return false;
                }
            }
        }
        for (long g : live) {
            if (!acked(g).contains(markers.get(g))) {
                return false;
            }
            SimNode leader = leaderOf(g);
            if (leader == null) {
                return false;
            }
            RaftStatus ls = leader.groups.get(g).status();
            for (long member : members(ls.confState())) {
                RaftGroup core = nodes.get(member).groups.get(g);
                if (core == null) {
                    return false;
                }
                RaftStatus ms = core.status();
                if (ms.appliedIndex() != ls.commitIndex() || ls.appliedIndex() != ls.commitIndex()) {
                    return false;
                }
            }
        }
        return true;
    }

    private static Set<Long> members(ConfState conf) {
        TreeSet<Long> all = new TreeSet<>(conf.voters());
        all.addAll(conf.learners());
        return all;
    }

    /** The groups that must converge: all of them, or the catalog and the tables its committed entries list. */
    private List<Long> liveGroups() {
        if (shape == Shape.GROUPS) {
            return groupIds;
        }
        List<Long> live = new ArrayList<>();
        live.add(CATALOG);
        live.addAll(committedTables());
        return live;
    }

    private void verifyFinalState() {
        if (shape == Shape.CATALOG) {
            verifyNoTraceOfDeletedTables();
        }
        for (long g : liveGroups()) {
            SimNode leader = leaderOf(g);
            List<SimStateMachine.Applied> reference = leader.disk.machine(g).applied();
            Set<Long> payloads = new TreeSet<>();
            for (SimStateMachine.Applied a : reference) {
                payloads.add(a.payload());
            }
            for (long p : acked(g)) {
                if (!payloads.contains(p)) {
                    throw new AssertionError("acknowledged proposal " + p + " of group " + g + " was lost");
                }
            }
            for (long member : members(leader.groups.get(g).status().confState())) {
                List<SimStateMachine.Applied> mine =
                        nodes.get(member).disk.machine(g).applied();
                if (!mine.equals(reference)) {
                    throw new AssertionError("node " + member + " state machine of group " + g + " differs from leader "
                            + leader.id + "'s (" + mine.size() + " vs " + reference.size() + " entries)");
                }
            }
        }
    }

    /** A table the catalog no longer lists has no log, no table store entry and no snapshot directory on any node. */
    private void verifyNoTraceOfDeletedTables() {
        Set<Long> listed = committedTables();
        for (long t : everListed) {
            if (listed.contains(t)) {
                continue;
            }
            for (SimNode n : nodes.values()) {
                LogState log = n.disk.logStore.peek(t);
                MachineState m = n.disk.tableStore.peek(t);
                List<String> left = new ArrayList<>();
                if (log != null && !log.isFresh()) {
                    left.add("its log");
                }
                if (m != null && m.created) {
                    left.add("its table store entry");
                }
                if (n.disk.hasFiles(t)) {
                    left.add("its snapshot directory");
                }
                if (!left.isEmpty()) {
                    throw new AssertionError(
                            "node " + n.id + " keeps " + String.join(", ", left) + " of deleted table " + t);
                }
            }
        }
    }

    private void trace(String line) {
        if (trace.size() == TRACE_LINES) {
            trace.removeFirst();
        }
        trace.addLast("t=" + now + (finalPhase ? " [final] " : " ") + line);
    }
}
