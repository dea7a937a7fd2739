package io.armada.server.api;

import com.google.protobuf.InvalidProtocolBufferException;
import io.armada.internal.v1.Command;
import io.armada.internal.v1.LogServiceGrpc;
import io.armada.internal.v1.PullRequest;
import io.armada.internal.v1.PullResponse;
import io.armada.internal.v1.ReplicatedEntry;
import io.armada.internal.v1.TableSnapshotPart;
import io.armada.internal.v1.TableSnapshotRequest;
import io.armada.proto.Limits;
import io.armada.raft.Entry;
import io.armada.raft.EntryType;
import io.armada.raft.engine.RaftEngine;
import io.armada.server.node.ArmadaNode;
import io.armada.server.node.Catalog;
import io.armada.server.node.TableHandle;
import io.armada.server.node.TableStateMachine;
import io.armada.storage.TableSnapshot;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.TimeUnit;

/**
 * The leader cluster's log service, on every leader-cluster node: a table's committed entries for
 * follower clusters, one bounded batch per call (a long poll when nothing is new), and table
 * snapshots for follower clusters whose position was compacted away. Only applied entries leave the node,
 * so nothing uncommitted ever reaches a follower cluster.
 */
final class LogService extends LogServiceGrpc.LogServiceImplBase {
    private static final int MAX_BATCH_BYTES = Limits.MAX_PULL_BATCH_BYTES;
    private static final int MAX_WAIT_MILLIS = Limits.MAX_PULL_WAIT_MILLIS;

    private final ArmadaNode node;
    private final PacedStream.Settings streams;

    /** @param streams how Snapshot streams are paced and cut off */
    LogService(ArmadaNode node, PacedStream.Settings streams) {
        this.node = node;
        this.streams = streams;
    }

    @Override
    public void pull(PullRequest request, StreamObserver<PullResponse> observer) {
        if (node.config().isFollowerCluster()) {
            observer.onError(Status.FAILED_PRECONDITION
                    .withDescription("this node is in a follower cluster;" + " pull from the leader cluster")
                    .asRuntimeException());
            return;
        }
        if (request.getStartIndex() < 1 || request.getWaitMillis() > MAX_WAIT_MILLIS) {
            observer.onError(Status.INVALID_ARGUMENT
                    .withDescription("start_index must be at least 1 and wait_millis" + " at most " + MAX_WAIT_MILLIS)
                    .asRuntimeException());
            return;
        }
        TableStateMachine sm = stateMachine(request.getTableId());
        if (sm == null) {
            observer.onNext(PullResponse.newBuilder()
                    .setGone(PullResponse.TableGone.getDefaultInstance())
                    .build());
            observer.onCompleted();
            return;
        }
        int maxBytes = request.getMaxBytes() == 0 ? MAX_BATCH_BYTES : Math.min(request.getMaxBytes(), MAX_BATCH_BYTES);
        sm.watch()
                .atLeast(request.getStartIndex())
                .completeOnTimeout(null, request.getWaitMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((ignored, e) -> {
                    try {
                        observer.onNext(read(request.getTableId(), request.getStartIndex(), maxBytes, sm));
                        observer.onCompleted();
                    } catch (RuntimeException failure) {
                        observer.onError(Status.UNAVAILABLE
                                .withDescription("table " + request.getTableId() + " cannot be read here: "
                                        + failure.getMessage())
                                .asRuntimeException());
                    }
                });
    }

    private PullResponse read(long tableId, long start, int maxBytes, TableStateMachine sm) {
        RaftEngine.CommittedEntries slice = node.engine().committedEntries(tableId, start, maxBytes);
        if (slice.compacted()) {
            return PullResponse.newBuilder()
                    .setCompacted(PullResponse.Compacted.getDefaultInstance())
                    .build();
        }
        PullResponse.Batch.Builder batch = PullResponse.Batch.newBuilder()
                .setLeaderAppliedIndex(slice.appliedIndex())
                .setLeaderRevision(sm.table().revision());
        for (Entry e : slice.entries()) {
            ReplicatedEntry.Builder r = ReplicatedEntry.newBuilder().setIndex(e.index());
            if (e.type() == EntryType.NORMAL && e.data().length > 0) {
                try {
                    r.setCommand(Command.parseFrom(e.data()));
                } catch (InvalidProtocolBufferException bad) {
                    throw new IllegalStateException(
                            "table " + tableId + ": committed entry " + e.index() + " is no Command", bad);
                }
            }
            batch.addEntries(r);
        }
        return PullResponse.newBuilder().setBatch(batch).build();
    }

    /**
     * Streams the table's snapshot in chunks of at most {@link io.armada.proto.Limits#MAX_SNAPSHOT_CHUNK_BYTES},
     * each read only when the client made room for it ({@link PacedStream}): no thread waits for a
     * slow reader, a stalled one is cut off, and the RocksDB snapshot is released when the stream
     * ends, stalls or is cancelled.
     */
    @Override
    public void snapshot(TableSnapshotRequest request, StreamObserver<TableSnapshotPart> observer) {
        TableStateMachine sm = node.config().isFollowerCluster() ? null : stateMachine(request.getTableId());
        if (sm == null) {
            observer.onError(Status.NOT_FOUND
                    .withDescription("table " + request.getTableId() + " is not served by this leader-cluster node")
                    .asRuntimeException());
            return;
        }
        PacedStream<TableSnapshotPart> stream = new PacedStream<>(
                (ServerCallStreamObserver<TableSnapshotPart>) observer,
                streams,
                "Snapshot of table " + request.getTableId(),
                e -> Status.UNAVAILABLE
                        .withDescription("snapshot of table " + request.getTableId() + " failed: " + e.getMessage())
                        .asRuntimeException());
        stream.start(() -> parts(sm.table().snapshot()));
    }

    /** The parts of one snapshot stream: its chunks, the first carrying the snapshot's index. */
    private static PacedStream.Pages<TableSnapshotPart> parts(TableSnapshot snapshot) {
        return new PacedStream.Pages<>() {
            private boolean first = true;

            @Override
            public boolean hasNext() {
                return snapshot.hasNext();
            }

            @Override
            public TableSnapshotPart next() {
                TableSnapshotPart.Builder part = TableSnapshotPart.newBuilder().setChunk(snapshot.next());
                if (first) {
                    part.setIndex(snapshot.index());
                    first = false;
                }
                return part.build();
            }

            @Override
            public void close() {
                snapshot.close();
            }
        };
    }

    private TableStateMachine stateMachine(long tableId) {
        return tableId == Catalog.GROUP_ID
                ? node.catalog()
                : node.table(tableId).map(TableHandle::stateMachine).orElse(null);
    }
}
