package io.armada.server.replication;

import com.google.protobuf.ByteString;
import io.armada.api.v1.TableSnapshotChunk;
import io.armada.internal.v1.FollowerClusterEntry;
import io.armada.internal.v1.PullResponse;
import io.armada.internal.v1.ReplicatedBatch;
import io.armada.internal.v1.SnapshotBegin;
import io.armada.internal.v1.SnapshotEnd;
import io.armada.internal.v1.SnapshotRecord;
import io.armada.internal.v1.SnapshotRecords;
import io.armada.internal.v1.TableSnapshotPart;
import io.armada.raft.engine.RaftEngine;
import io.armada.raft.transport.Backoff;
import io.armada.server.node.ReplicationLag;
import io.armada.server.node.TableStateMachine;
import io.armada.storage.SnapshotReader;
import io.grpc.StatusRuntimeException;
import java.util.Iterator;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replicates one table from the leader cluster into this follower cluster. Runs only on the
 * follower-cluster group's leader (it stops when leadership moves; the new leader starts its own from what
 * its table applied). Pulls committed leader-cluster entries in batches and proposes each batch into the
 * follower-cluster group as one entry, several batches in flight at once; when its position was compacted away on the leader cluster it fetches a
 * table snapshot and loads it through the group in steps. Duplicates from a leadership change are
 * harmless: applying skips leader-cluster entries at or below the table's recorded leader-cluster index.
 */
final class Replicator implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Replicator.class);
    static final int PULL_WAIT_MILLIS = 1_000;
    static final long PROPOSE_TIMEOUT_MILLIS = 10_000;
    static final long SNAPSHOT_TIMEOUT_MILLIS = 10 * 60_000;
    static final long INITIAL_BACKOFF_MILLIS = 50;
    static final long MAX_BACKOFF_MILLIS = 2_000;
    /** How often a wait for a pending load step re-checks that this node still leads. */
    static final long BARRIER_POLL_MILLIS = 100;
    /** Replicated batches proposed and not yet committed, at most (each at most one pull's bytes). */
    static final int MAX_BATCHES_IN_FLIGHT = 4;
    /** Snapshot records per follower-cluster entry: well under the entry size limit. */
    static final int SNAPSHOT_ENTRY_BYTES = 1 << 20;

    private final long tableId;
    private final TableStateMachine table;
    private final RaftEngine engine;
    private final LeaderClusterLink leaderCluster;
    private final ReplicationLag lag;
    private final BooleanSupplier active;
    /** Proposed batches in the order proposed; only this replicator's thread touches it. */
    private final java.util.ArrayDeque<java.util.concurrent.CompletableFuture<?>> inFlight =
            new java.util.ArrayDeque<>();
    /** The snapshot load step proposed last (only this replicator's thread touches it). */
    private java.util.concurrent.CompletableFuture<?> lastLoadStep;

    Replicator(
            long tableId,
            TableStateMachine table,
            RaftEngine engine,
            LeaderClusterLink leaderCluster,
            ReplicationLag lag,
            BooleanSupplier active) {
        this.tableId = tableId;
        this.table = table;
        this.engine = engine;
        this.leaderCluster = leaderCluster;
        this.lag = lag;
        this.active = active;
    }

    @Override
    public void run() {
        // a load cut short by a leadership change starts over; otherwise resume after what applied.
        // Decided only once the group applied everything committed before this term: a previous
        // leader's SNAPSHOT_BEGIN may be committed and not yet applied here, and batches proposed in
        // its place would apply as no-ops behind a reset nobody finishes.
        long next;
        try {
            if (!awaitAppliedBarrier()) {
                return;
            }
            next = table.table().isResetting() ? -1 : table.position() + 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        Backoff backoff = new Backoff(INITIAL_BACKOFF_MILLIS, MAX_BACKOFF_MILLIS, new SplittableRandom());
        while (active.getAsBoolean()) {
            try {
                if (next < 0) {
                    awaitAll();
                    next = loadSnapshot() + 1;
                    continue;
                }
                PullResponse r = leaderCluster.pull(
                        tableId, next, io.armada.proto.Limits.MAX_PULL_BATCH_BYTES, PULL_WAIT_MILLIS);
                backoff.reset();
                switch (r.getResultCase()) {
                    case BATCH -> {
                        PullResponse.Batch b = r.getBatch();
                        if (b.getEntriesCount() > 0) {
                            proposeBatch(FollowerClusterEntry.newBuilder()
                                    .setBatch(ReplicatedBatch.newBuilder()
                                            .addAllEntries(b.getEntriesList())
                                            .setLeaderAppliedIndex(b.getLeaderAppliedIndex())
                                            .setLeaderRevision(b.getLeaderRevision()))
                                    .build());
                            next = b.getEntries(b.getEntriesCount() - 1).getIndex() + 1;
                        }
                        lag.leaderClusterAt(b.getLeaderAppliedIndex(), b.getLeaderRevision());
                    }
                    case COMPACTED -> next = -1;
                    case GONE, RESULT_NOT_SET -> pause(500); // the catalog will remove it, or the answering node lags
                }
            } catch (StatusRuntimeException | TimeoutException | ExecutionException e) {
                lag.unreachable(e.getMessage());
                if (next < 0) { // a snapshot load starts over: worth knowing why
                    log.info(
                            "table {}: loading the leader cluster's snapshot failed, starting over: {}",
                            tableId,
                            e.toString());
                } else {
                    log.debug("table {}: replication paused: {}", tableId, e.getMessage());
                }
                // batches proposed after a failed one were skipped as gaps (or will be): go on from
                // what the table applied once every proposal in flight has settled
                settleAll();
                try {
                    // a load step that timed out may still commit: decide only once it settled
                    awaitLoadStepSettled();
                    if (!awaitAppliedBarrier()) {
                        break;
                    }
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
                next = table.table().isResetting() ? -1 : table.position() + 1;
                pause(backoff.nextDelayMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        settleAll();
    }

    /**
     * Proposes a batch without waiting for it to commit, so the next pull overlaps this batch's
     * replication in the follower-cluster group; at most {@link #MAX_BATCHES_IN_FLIGHT} wait at a time (the
     * memory bound: that many batches of at most {@link io.armada.proto.Limits#MAX_PULL_BATCH_BYTES}). A failed
     * proposal fails the next call here; the batches after it apply as gaps (skipped), never out of order.
     */
    private void proposeBatch(FollowerClusterEntry batch)
            throws InterruptedException, ExecutionException, TimeoutException {
        while (!inFlight.isEmpty() && inFlight.peekFirst().isDone()) {
            inFlight.pollFirst().get();
        }
        while (inFlight.size() >= MAX_BATCHES_IN_FLIGHT) {
            inFlight.pollFirst().get(PROPOSE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        }
        inFlight.addLast(engine.propose(tableId, batch.toByteArray()));
    }

    private void awaitAll() throws InterruptedException, ExecutionException, TimeoutException {
        while (!inFlight.isEmpty()) {
            inFlight.pollFirst().get(PROPOSE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /** Waits for every proposal in flight to commit or fail (bounded by the proposal timeout), ignoring failures. */
    private void settleAll() {
        while (!inFlight.isEmpty()) {
            try {
                inFlight.pollFirst().get(PROPOSE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException | java.util.concurrent.CancellationException ignored) {
                // settled one way or the other; the position the table applied tells which
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                inFlight.clear();
                return;
            }
        }
    }

    /** Loads the leader cluster's snapshot of the table through the group; returns the leader-cluster index it stands at. */
    private long loadSnapshot() throws InterruptedException, ExecutionException, TimeoutException {
        Iterator<TableSnapshotPart> parts = leaderCluster.snapshot(tableId, SNAPSHOT_TIMEOUT_MILLIS);
        if (!parts.hasNext()) {
            throw new ExecutionException("empty snapshot stream", null);
        }
        TableSnapshotPart first = parts.next();
        long leaderClusterIndex = first.getIndex();
        log.info("table {}: loading the leader cluster's snapshot at index {}", tableId, leaderClusterIndex);
        Iterator<TableSnapshotChunk> chunks = new Iterator<>() {
            private TableSnapshotPart pending = first;

            @Override
            public boolean hasNext() {
                return pending != null || parts.hasNext();
            }

            @Override
            public TableSnapshotChunk next() {
                TableSnapshotPart p = pending != null ? pending : parts.next();
                pending = null;
                return p.getChunk();
            }
        };
        SnapshotReader reader = new SnapshotReader(chunks);
        propose(FollowerClusterEntry.newBuilder()
                .setSnapshotBegin(SnapshotBegin.newBuilder().setLeaderIndex(leaderClusterIndex))
                .build());
        SnapshotRecords.Builder records = SnapshotRecords.newBuilder();
        long bytes = 0;
        while (reader.hasNext()) {
            if (!active.getAsBoolean()) {
                throw new InterruptedException("no longer the follower-cluster group's leader");
            }
            SnapshotReader.Item item = reader.next();
            records.addRecords(SnapshotRecord.newBuilder()
                    .setKey(ByteString.copyFrom(item.key()))
                    .setRecord(ByteString.copyFrom(item.record())));
            bytes += item.key().length + item.record().length;
            if (bytes >= SNAPSHOT_ENTRY_BYTES) {
                propose(FollowerClusterEntry.newBuilder()
                        .setSnapshotRecords(records)
                        .build());
                records = SnapshotRecords.newBuilder();
                bytes = 0;
            }
        }
        if (records.getRecordsCount() > 0) {
            propose(FollowerClusterEntry.newBuilder()
                    .setSnapshotRecords(records)
                    .build());
        }
        propose(FollowerClusterEntry.newBuilder()
                .setSnapshotEnd(SnapshotEnd.newBuilder()
                        .setLeaderIndex(leaderClusterIndex)
                        .setLeaderRevision(reader.revision()))
                .build());
        log.info("table {}: leader-cluster snapshot at index {} loaded", tableId, leaderClusterIndex);
        return leaderClusterIndex;
    }

    private void propose(FollowerClusterEntry entry) throws InterruptedException, ExecutionException, TimeoutException {
        lastLoadStep = engine.propose(tableId, entry.toByteArray());
        lastLoadStep.get(PROPOSE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * Waits while this replicator's last load step is still pending in the engine and this node
     * still leads in its term (the engine settles it: applied, or failed when leadership moves).
     */
    private void awaitLoadStepSettled() throws InterruptedException {
        while (lastLoadStep != null && !lastLoadStep.isDone() && active.getAsBoolean()) {
            try {
                lastLoadStep.get(BARRIER_POLL_MILLIS, TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException | java.util.concurrent.CancellationException ignored) {
                // done one way or the other, or still pending: the loop condition tells
            }
        }
    }

    /**
     * Waits until this node applied everything the group committed so far (a ReadIndex round),
     * retrying while it leads; false once it no longer does.
     */
    private boolean awaitAppliedBarrier() throws InterruptedException {
        Backoff backoff = new Backoff(INITIAL_BACKOFF_MILLIS, MAX_BACKOFF_MILLIS, new SplittableRandom());
        while (active.getAsBoolean()) {
            try {
                engine.readIndex(tableId).get(PROPOSE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
                return true;
            } catch (ExecutionException | TimeoutException e) {
                log.debug("table {}: waiting for the group to apply what it committed: {}", tableId, e.toString());
                pause(backoff.nextDelayMillis());
            }
        }
        return false;
    }

    private void pause(long millis) {
        try {
            Thread.sleep(millis); // backoff between attempts to reach the leader cluster
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
