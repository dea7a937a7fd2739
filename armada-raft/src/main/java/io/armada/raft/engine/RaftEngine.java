package io.armada.raft.engine;

import io.armada.raft.Bootstrap;
import io.armada.raft.ConfChange;
import io.armada.raft.Entry;
import io.armada.raft.HardState;
import io.armada.raft.Message;
import io.armada.raft.MessageCodec;
import io.armada.raft.ProposeResult;
import io.armada.raft.RaftConfig;
import io.armada.raft.RaftGroup;
import io.armada.raft.Rejection;
import io.armada.raft.RequestResult;
import io.armada.raft.SnapshotMeta;
import io.armada.raft.log.FatalErrorHandler;
import io.armada.raft.log.LogStore;
import io.armada.raft.transport.Transport;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives every Raft group of one node with a fixed pool of {@link Worker} threads (never a thread
 * per group). A group lives on one worker for its whole life, so its pure core is only ever
 * touched by one thread; the workers share the node's {@link LogStore} and {@link Transport}.
 *
 * <p>All calls are thread-safe and asynchronous: work is queued to the group's worker and the
 * returned future completes there. Every queue is bounded; a full one fails the future with
 * {@link RaftException.Kind#OVERLOADED}.
 */
public final class RaftEngine implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RaftEngine.class);

    private final long nodeId;
    private final EngineConfig config;
    private final RaftConfig raftConfig;
    private final LogStore logStore;
    private final Transport transport;
    private final FatalErrorHandler fatal;
    private final Worker[] workers;
    private final EngineStats stats = new EngineStats();
    private final ConcurrentHashMap<Long, GroupRuntime> groups = new ConcurrentHashMap<>();
    private final AtomicLong readRequestIds = new AtomicLong();
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final SplittableRandom seeds;

    public RaftEngine(
            long nodeId,
            EngineConfig config,
            RaftConfig raftConfig,
            LogStore logStore,
            Transport transport,
            FatalErrorHandler fatal) {
        if (nodeId <= 0) {
            throw new IllegalArgumentException("nodeId must be positive: " + nodeId);
        }
        this.nodeId = nodeId;
        this.config = config;
        this.raftConfig = raftConfig;
        this.logStore = logStore;
        this.transport = transport;
        this.fatal = fatal;
        this.seeds = new SplittableRandom(System.nanoTime() ^ (nodeId * 0x9E3779B97F4A7C15L));
        this.workers = new Worker[config.workerThreads()];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i, config, logStore, transport, stats, this::fatalStop);
        }
    }

    /** Starts the workers and begins taking messages from the transport. */
    public void start() {
        for (Worker w : workers) {
            w.start("n" + nodeId);
        }
        transport.start(this::onMessage);
    }

    public long nodeId() {
        return nodeId;
    }

    public EngineStats stats() {
        return stats;
    }

    /**
     * Opens a group on this node. When nothing is stored for it and {@code voters} is not empty,
     * the group is bootstrapped with that membership (every founding member must be given the same
     * set); with no voters the node starts empty and waits to be added by the group's leader.
     * Opening a group that exists on disk resumes it from its stored log and state machine.
     */
    public CompletableFuture<Void> openGroup(long groupId, Collection<Long> voters, GroupStateMachine stateMachine) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (groupId <= CoalescedHeartbeats.GROUP_ID) {
            done.completeExceptionally(new IllegalArgumentException("group ids must be positive: " + groupId));
            return done;
        }
        Worker worker = workerFor(groupId);
        if (!worker.submit(() -> {
            try {
                if (groups.containsKey(groupId)) {
                    throw new IllegalStateException("group " + groupId + " is already open");
                }
                GroupRuntime g = open(groupId, voters, stateMachine);
                worker.groups().put(groupId, g);
                groups.put(groupId, g);
                done.complete(null);
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        })) {
            done.completeExceptionally(overloaded(groupId));
        }
        return done;
    }

    private GroupRuntime open(long groupId, Collection<Long> voters, GroupStateMachine sm) {
        boolean fresh = logStore.hardState(groupId) == null
                && logStore.lastIndex(groupId) == 0
                && logStore.snapshotMeta(groupId) == null;
        if (fresh && !voters.isEmpty()) {
            Bootstrap boot = Bootstrap.of(voters);
            LogStore.Batch batch = logStore.batch();
            for (Entry e : boot.entries()) {
                batch.append(groupId, e.index(), e.term(), StoredLog.encodeEntry(e));
            }
            batch.hardState(groupId, StoredLog.encodeHardState(boot.hardState(), boot.confState()));
            logStore.write(batch, true);
        }
        repairAfterSnapshotInstallCrash(groupId, sm);
        StoredLog stored = new StoredLog(groupId, logStore);
        var initial = stored.initialState();
        RaftGroup core = RaftGroup.open(groupId, nodeId, raftConfig, stored, sm, sm.appliedIndex(), seeds.split());
        log.info(
                "group {} opened on node {}: term {}, commit {}, applied {}, log [{}, {}]",
                groupId,
                nodeId,
                initial.hardState().term(),
                initial.hardState().commit(),
                sm.appliedIndex(),
                stored.firstIndex(),
                stored.lastIndex());
        return new GroupRuntime(groupId, core, stored, sm, initial.hardState(), initial.confState());
    }

    /**
     * An inbound snapshot is installed into the state machine before the log is reset to start
     * after it. If the node died between the two, the state machine is ahead of the log: finish the
     * reset now, so the log never claims entries the state machine has replaced.
     */
    private void repairAfterSnapshotInstallCrash(long groupId, GroupStateMachine sm) {
        SnapshotMeta installed = sm.latestSnapshot();
        byte[] storedMeta = logStore.snapshotMeta(groupId);
        long storedIndex = storedMeta == null
                ? 0
                : StoredLog.decodeSnapshotMeta(storedMeta).index();
        // The log agrees with the snapshot when it holds the snapshot's last entry with the snapshot's term
        // (Raft's log matching: then every entry before it is the snapshot's too). A log that stops short of
        // the snapshot, or holds another term there (a divergent tail the install was replacing), is reset.
        boolean logAgrees = logStore.term(groupId, installed.index()) == installed.term();
        if (installed.index() > storedIndex && !logAgrees) {
            log.warn(
                    "group {}: state machine holds snapshot {} beyond the log ({}); resetting the log after it",
                    groupId,
                    installed.index(),
                    logStore.lastIndex(groupId));
            // The stored membership came with the log being dropped and may predate the snapshot (a node removed
            // before it, added back as a learner and sent it, would reopen as a voter of its old configuration and
            // could overwrite committed entries: simulation seed 4005). The snapshot's is the one at the applied index.
            HardState hardState =
                    new StoredLog(groupId, logStore).initialState().hardState();
            logStore.write(
                    logStore.batch()
                            .compact(groupId, Long.MAX_VALUE - 1)
                            .snapshotMeta(groupId, StoredLog.encodeSnapshotMeta(installed))
                            .hardState(groupId, StoredLog.encodeHardState(hardState, installed.confState())),
                    true);
        }
    }

    /** Closes the group on this node and deletes its log; the state machine's data is the caller's. */
    public CompletableFuture<Void> removeGroup(long groupId) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Worker worker = workerFor(groupId);
        if (!worker.submit(() -> {
            worker.groups().remove(groupId);
            GroupRuntime g = groups.remove(groupId);
            if (g != null) {
                g.failAll(new RaftException(RaftException.Kind.NO_SUCH_GROUP, "group " + groupId + " was removed"));
            }
            logStore.write(logStore.batch().removeGroup(groupId), true);
            done.complete(null);
        })) {
            done.completeExceptionally(overloaded(groupId));
        }
        return done;
    }

    /** Proposes {@code data}; completes once a quorum persisted it and this node applied it. */
    public CompletableFuture<AppliedProposal> propose(long groupId, byte[] data) {
        CompletableFuture<AppliedProposal> result = new CompletableFuture<>();
        submit(groupId, result, g -> {
            if (g.proposals.size() >= config.maxPendingProposalsPerGroup()) {
                stats.proposalsRejected.increment();
                result.completeExceptionally(new RaftException(
                        RaftException.Kind.OVERLOADED,
                        "group " + groupId + ": " + config.maxPendingProposalsPerGroup()
                                + " proposals already pending"));
                return;
            }
            ProposeResult r = g.core.propose(data);
            if (r instanceof ProposeResult.Proposed p) {
                g.proposals.put(p.index(), new GroupRuntime.PendingProposal(p.term(), result));
            } else {
                stats.proposalsRejected.increment();
                result.completeExceptionally(rejected(groupId, (Rejection) r));
            }
        });
        return result;
    }

    /** Proposes a single-step membership change; completes once applied on this node. */
    public CompletableFuture<AppliedProposal> proposeConfChange(long groupId, ConfChange change) {
        CompletableFuture<AppliedProposal> result = new CompletableFuture<>();
        submit(groupId, result, g -> {
            ProposeResult r = g.core.proposeConfChange(change);
            if (r instanceof ProposeResult.Proposed p) {
                g.proposals.put(p.index(), new GroupRuntime.PendingProposal(p.term(), result));
            } else {
                result.completeExceptionally(rejected(groupId, (Rejection) r));
            }
        });
        return result;
    }

    /**
     * A linearizable read point: completes with an index once this node has applied at least
     * the group's commit index as of the call, confirmed by a quorum. Reading the state machine
     * after that is linearizable. The caller bounds the wait with its deadline.
     */
    public CompletableFuture<Long> readIndex(long groupId) {
        CompletableFuture<Long> result = new CompletableFuture<>();
        submit(groupId, result, g -> {
            long requestId = readRequestIds.incrementAndGet();
            RequestResult r = g.core.readIndex(requestId);
            if (r instanceof Rejection rejection) {
                result.completeExceptionally(rejected(groupId, rejection));
            } else {
                g.readsAsked.put(requestId, result);
            }
        });
        return result;
    }

    /** Asks the group's leader (this node) to hand leadership to {@code toNodeId}. */
    public CompletableFuture<Void> transferLeadership(long groupId, long toNodeId) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        submit(groupId, result, g -> {
            RequestResult r = g.core.transferLeadership(toNodeId);
            if (r instanceof Rejection rejection) {
                result.completeExceptionally(rejected(groupId, rejection));
            } else {
                result.complete(null);
            }
        });
        return result;
    }

    /** Starts an election for the group on this node now. */
    public CompletableFuture<Void> campaign(long groupId) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        submit(groupId, result, g -> {
            g.core.campaign();
            result.complete(null);
        });
        return result;
    }

    /** The group's latest published status on this node. */
    public Optional<GroupStatus> status(long groupId) {
        GroupRuntime g = groups.get(groupId);
        if (g == null) {
            return Optional.empty();
        }
        var soft = g.softState;
        return Optional.of(
                new GroupStatus(groupId, soft.role(), soft.leaderId(), g.term, g.commitIndex, g.appliedIndex));
    }

    /**
     * Committed entries of a group from {@code fromIndex} on, at most {@code maxBytes} of payload (at
     * least one entry), and never past what this node has applied: an applied entry is committed and
     * can no longer change. For readers outside the group (cross-cluster replication); safe from any
     * thread, as it reads the log store's immutable, committed part.
     */
    public CommittedEntries committedEntries(long groupId, long fromIndex, long maxBytes) {
        GroupRuntime g = groups.get(groupId);
        if (g == null) {
            throw new RaftException(
                    RaftException.Kind.NO_SUCH_GROUP, "group " + groupId + " is not open on node " + nodeId);
        }
        // Applied and persisted as committed, both: an inbound snapshot is installed into the state machine
        // (applied jumps to its index) before the log drops its old, possibly divergent tail, and that tail
        // must never be served as committed. The commit index moves only after the round's synced write.
        long applied = Math.min(g.stateMachine.appliedIndex(), g.commitIndex);
        long first = logStore.firstIndex(groupId);
        if (fromIndex > applied) {
            return new CommittedEntries(List.of(), applied, false);
        }
        if (first == 0 || fromIndex < first) {
            return new CommittedEntries(List.of(), applied, true);
        }
        List<io.armada.raft.log.StoredEntry> stored;
        try {
            stored = logStore.entries(groupId, fromIndex, applied + 1, maxBytes);
        } catch (IllegalStateException compactedMeanwhile) { // the store's "log hole": compaction raced this read
            return new CommittedEntries(List.of(), applied, true);
        }
        if (stored.isEmpty() || stored.get(0).index() != fromIndex) {
            return new CommittedEntries(List.of(), applied, true);
        }
        return new CommittedEntries(stored.stream().map(StoredLog::decodeEntry).toList(), applied, false);
    }

    /** A slice of a group's committed log: {@code compacted} when the start lies before the stored log. */
    public record CommittedEntries(List<io.armada.raft.Entry> entries, long appliedIndex, boolean compacted) {}

    public Set<Long> groupIds() {
        return Set.copyOf(groups.keySet());
    }

    private void onMessage(long fromNodeId, long groupId, byte[] bytes) {
        if (groupId == CoalescedHeartbeats.GROUP_ID) {
            List<Message> heartbeats;
            try {
                heartbeats = CoalescedHeartbeats.decode(bytes);
            } catch (IllegalArgumentException e) {
                log.warn("dropping a corrupt heartbeat frame from node {}: {}", fromNodeId, e.getMessage());
                return;
            }
            for (Message m : heartbeats) {
                deliver(fromNodeId, m.groupId(), m);
            }
            return;
        }
        Message m;
        try {
            m = MessageCodec.decode(bytes);
        } catch (IllegalArgumentException e) {
            log.warn(
                    "dropping a corrupt raft message from node {} for group {}: {}",
                    fromNodeId,
                    groupId,
                    e.getMessage());
            return;
        }
        deliver(fromNodeId, groupId, m);
    }

    private void deliver(long fromNodeId, long groupId, Message m) {
        if (m.groupId() != groupId || m.from() != fromNodeId || m.to() != nodeId) {
            log.warn(
                    "dropping a misaddressed raft message: stream says {}->{} group {}, message says {}->{} group {}",
                    fromNodeId,
                    nodeId,
                    groupId,
                    m.from(),
                    m.to(),
                    m.groupId());
            return;
        }
        // A full inbox drops the message; Raft retransmits.
        workerFor(groupId).submit(() -> {
            GroupRuntime g = groups.get(groupId);
            if (g != null) {
                g.core.step(m);
            }
        });
    }

    private <T> void submit(
            long groupId, CompletableFuture<T> result, java.util.function.Consumer<GroupRuntime> action) {
        if (stopped.get()) {
            result.completeExceptionally(new RaftException(RaftException.Kind.STOPPED, "the raft engine is stopped"));
            return;
        }
        if (!workerFor(groupId).submit(() -> {
            GroupRuntime g = groups.get(groupId);
            if (g == null) {
                result.completeExceptionally(new RaftException(
                        RaftException.Kind.NO_SUCH_GROUP, "group " + groupId + " is not open on node " + nodeId));
                return;
            }
            action.accept(g);
        })) {
            result.completeExceptionally(overloaded(groupId));
        }
    }

    private Worker workerFor(long groupId) {
        long h = groupId * 0x9E3779B97F4A7C15L;
        return workers[(int) Math.floorMod(h ^ (h >>> 32), (long) workers.length)];
    }

    private RaftException overloaded(long groupId) {
        return new RaftException(
                RaftException.Kind.OVERLOADED,
                "group " + groupId + ": the engine's queue of " + config.inboxCapacity() + " events is full");
    }

    private static RaftException rejected(long groupId, Rejection r) {
        RaftException.Kind kind = switch (r.reason()) {
            case NOT_LEADER, TRANSFERRING_LEADERSHIP, NOT_MEMBER -> RaftException.Kind.NOT_LEADER;
            case UNCOMMITTED_LIMIT, READ_QUEUE_FULL, CONF_CHANGE_PENDING -> RaftException.Kind.OVERLOADED;
            case ENTRY_TOO_LARGE, INVALID_CONF_CHANGE -> RaftException.Kind.INVALID;
        };
        return new RaftException(kind, "group " + groupId + ": " + r.reason(), r.leaderHint());
    }

    private void fatalStop(Throwable cause) {
        if (stopped.compareAndSet(false, true)) {
            log.error("node {}: fatal error, stopping the raft engine", nodeId, cause);
            fatal.onFatalError(cause);
            new Thread(this::stopWorkers, "raft-engine-stop").start();
        }
    }

    private void stopWorkers() {
        for (Worker w : workers) {
            w.stop();
        }
    }

    /** Stops the workers; pending futures fail with {@link RaftException.Kind#STOPPED}. The log store and transport are the caller's. */
    @Override
    public void close() {
        stopped.set(true);
        stopWorkers();
    }
}
