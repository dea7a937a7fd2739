package io.armada.server.replication;

import io.armada.raft.RaftRole;
import io.armada.raft.engine.RaftEngine;
import io.armada.server.node.TableStateMachine;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import java.util.function.Supplier;

/**
 * Keeps exactly one {@link Replicator} per table running in a follower cluster: on whichever node
 * leads the table's follower-cluster group. Every node checks its own groups a few times a second and
 * starts a replicator (a virtual thread) for each group it leads that has none; a replicator stops
 * by itself once its node no longer leads, so at most one runs per group after an election settles.
 */
public final class ReplicationManager implements AutoCloseable {
    static final long CHECK_MILLIS = 100;

    private final RaftEngine engine;
    private final LeaderClusterLink leaderCluster;
    private final Supplier<Iterable<Long>> groups;
    private final LongFunction<TableStateMachine> tables;
    private final Map<Long, Thread> running = new ConcurrentHashMap<>();
    private final ScheduledExecutorService checker;
    private volatile boolean closed;

    /**
     * @param groups the ids of the groups to replicate (the catalog and every table)
     * @param tables the state machine of a group id, or null once the table is gone
     */
    public ReplicationManager(
            RaftEngine engine,
            LeaderClusterLink leaderCluster,
            Supplier<Iterable<Long>> groups,
            LongFunction<TableStateMachine> tables,
            long nodeId) {
        this.engine = engine;
        this.leaderCluster = leaderCluster;
        this.groups = groups;
        this.tables = tables;
        this.checker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "armada-replication-n" + nodeId);
            t.setDaemon(true);
            return t;
        });
        checker.scheduleWithFixedDelay(this::check, CHECK_MILLIS, CHECK_MILLIS, TimeUnit.MILLISECONDS);
    }

    private boolean leads(long groupId) {
        return !closed
                && tables.apply(groupId) != null
                && engine.status(groupId).map(s -> s.role() == RaftRole.LEADER).orElse(false);
    }

    /**
     * Whether this node still leads {@code groupId} in {@code term}. A replicator lives for one term:
     * had it outlived a lost and regained leadership it could go on proposing the steps of a load
     * that another node's replicator has restarted in between, and the two loads would interleave.
     */
    private boolean leadsIn(long groupId, long term) {
        return leads(groupId)
                && engine.status(groupId).map(s -> s.term() == term).orElse(false);
    }

    private void check() {
        for (long id : groups.get()) {
            if (running.containsKey(id) || !leads(id)) {
                continue;
            }
            TableStateMachine sm = tables.apply(id);
            long term = engine.status(id).map(s -> s.term()).orElse(0L);
            Replicator r =
                    new Replicator(id, sm, engine, leaderCluster, sm.lag().orElseThrow(), () -> leadsIn(id, term));
            Thread t = Thread.ofVirtual().name("replicator-" + id).unstarted(() -> {
                try {
                    r.run();
                } finally {
                    running.remove(id);
                }
            });
            running.put(id, t);
            t.start();
        }
    }

    @Override
    public void close() {
        closed = true;
        checker.shutdownNow();
        running.values().forEach(Thread::interrupt);
        for (Thread t : running.values()) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
