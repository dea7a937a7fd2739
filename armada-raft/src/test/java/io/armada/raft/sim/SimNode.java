package io.armada.raft.sim;

import io.armada.raft.RaftGroup;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * One simulated node: disks that survive crashes (each up to its last sync) and, while up, one Raft
 * core per group plus the client requests it has in flight (lost when it crashes).
 */
final class SimNode {
    /** A proposal this node's core accepted as leader: acknowledged if (term, index) gets applied here. */
    record Proposal(long term, long payload) {}

    /** A ReadIndex request: its answer must be at least {@code minIndex}, the commit known when it started. */
    record PendingRead(long minIndex, long startedAt) {}

    final long id;
    final int tickOffset;
    final NodeDisk disk = new NodeDisk();
    boolean up = true;
    boolean crashInNextReady;
    /** Crash at one of the durable steps of this node's next snapshot taken or installed. */
    boolean crashInSnapshot;
    /** Crash at one of the durable steps of this node's next table open or removal (catalog shape). */
    boolean crashInCatalogStep;

    final Map<Long, RaftGroup> groups = new TreeMap<>();
    /**
     * The tables this node's catalog reconcile opened ({@code ArmadaNode.tablesById}); each one's
     * group opens, or is removed, by a task on an engine worker ({@link #engineTasks}).
     */
    final java.util.Set<Long> tables = new java.util.TreeSet<>();
    /** {@code RaftEngine.openGroup} and {@code removeGroup} submitted and not yet run, in order. */
    final java.util.ArrayDeque<Runnable> engineTasks = new java.util.ArrayDeque<>();
    /** {@code ArmadaNode.leftoversChecked}: the first reconcile after a start drops leftovers. */
    boolean leftoversChecked;

    final Map<Long, TreeMap<Long, Proposal>> proposals = new TreeMap<>();
    final Map<Long, Map<Long, PendingRead>> reads = new TreeMap<>();
    /** Per group, the commit index up to which the simulation compared this core's log with the committed terms. */
    final Map<Long, Long> commitChecked = new TreeMap<>();
    /** Per group, the commit index up to which the simulation checked that each entry is on a majority's disks. */
    final Map<Long, Long> majorityChecked = new TreeMap<>();
    /** {@link Simulation.Mode#ASYNC_PERSIST}: per group, the Ready whose log write is under way. */
    final Map<Long, PendingWrite> pendingWrites = new TreeMap<>();

    /** A Ready handed out by {@code core} whose write has started and not completed; its core is not yet advanced. */
    record PendingWrite(RaftGroup core, io.armada.raft.Ready ready, long since) {}

    SimNode(long id, int tickOffset) {
        this.id = id;
        this.tickOffset = tickOffset;
    }

    TreeMap<Long, Proposal> proposals(long groupId) {
        return proposals.computeIfAbsent(groupId, g -> new TreeMap<>());
    }

    Map<Long, PendingRead> reads(long groupId) {
        return reads.computeIfAbsent(groupId, g -> new TreeMap<>());
    }

    void crash(SplittableRandom random) {
        up = false;
        groups.clear();
        proposals.clear();
        reads.clear();
        commitChecked.clear();
        majorityChecked.clear();
        pendingWrites.clear();
        crashInNextReady = false;
        crashInSnapshot = false;
        crashInCatalogStep = false;
        tables.clear();
        engineTasks.clear();
        leftoversChecked = false;
        disk.crash(random);
    }
}
