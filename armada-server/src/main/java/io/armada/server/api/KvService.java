package io.armada.server.api;

import io.armada.api.v1.DeleteRangeRequest;
import io.armada.api.v1.DeleteRangeResponse;
import io.armada.api.v1.KVGrpc;
import io.armada.api.v1.PutRequest;
import io.armada.api.v1.PutResponse;
import io.armada.api.v1.RangeRequest;
import io.armada.api.v1.RangeResponse;
import io.armada.api.v1.TxnRequest;
import io.armada.api.v1.TxnResponse;
import io.armada.internal.v1.Command;
import io.armada.proto.Limits;
import io.armada.server.node.ArmadaNode;
import io.armada.server.node.TableHandle;
import io.armada.storage.CommandValidator;
import io.armada.storage.RangeCursor;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import com.google.common.util.concurrent.MoreExecutors;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The armada.v1 KV service on one node. Writes go through {@link Router} (local proposal or one
 * forward to the group leader) and are answered after the entry is committed by a quorum and
 * applied; {@code header.revision} is its Raft index. Reads are served locally: serializable by
 * default, linearizable after a ReadIndex round when asked.
 */
final class KvService extends KVGrpc.KVImplBase {
    private final ArmadaNode node;
    private final Router router;
    private final Peers peers;
    private final Executor serviceExecutor;

    /**
     * @param serviceExecutor where reads run once their read point is reached (a linearizable read's
     *     ReadIndex completes on a Raft worker, which must not scan tables)
     */
    KvService(ArmadaNode node, Router router, Peers peers, Executor serviceExecutor) {
        this.node = node;
        this.router = router;
        this.peers = peers;
        this.serviceExecutor = serviceExecutor;
    }

    /**
     * The methods that never block their thread: they validate, look the table up and hand the
     * write to the Raft engine or a forward, so {@link ApiServer} runs them on the network thread
     * that read the request (no hand-off to a service thread on the write path).
     */
    static final java.util.Set<String> NON_BLOCKING_METHODS = java.util.Set.of(
            KVGrpc.getPutMethod().getFullMethodName(),
            KVGrpc.getDeleteRangeMethod().getFullMethodName(),
            KVGrpc.getTxnMethod().getFullMethodName());

    @Override
    public void range(RangeRequest request, StreamObserver<RangeResponse> observer) {
        try (var logContext = tableInLogs(request.getTable())) {
            Executor inCall = io.grpc.Context.current().fixedContextExecutor(serviceExecutor);
            Replies.reply(observer, () -> withTable(request.getTable(), table -> {
                CommandValidator.validate("range", request);
                CompletableFuture<?> readable = readPoint(table, request.getLinearizable())
                        .thenCompose(ignored -> revisionReached(table, request.getMinRevision()));
                java.util.function.Function<Object, RangeResponse> read = ignored -> {
                    if (table.stateMachine().table().isResetting()) {
                        throw Errors.refused("table '" + table.name() + "' is loading a snapshot of the leader"
                                + " cluster; retry shortly or read from another cluster", null);
                    }
                    RangeResponse r = table.stateMachine().table().range(request);
                    return r.toBuilder().setHeader(router.header(table.id(), r.getHeader().getRevision())).build();
                };
                // a serializable read is readable at once and stays on this service thread; one that
                // waited (ReadIndex, min_revision) continues on a service thread, never a Raft worker
                return readable.isDone() ? readable.thenApply(read) : readable.thenApplyAsync(read, inCall);
            }));
        }
    }

    @Override
    public void iterateRange(RangeRequest request, StreamObserver<RangeResponse> observer) {
        try (var logContext = tableInLogs(request.getTable())) {
            ServerCallStreamObserver<RangeResponse> out = (ServerCallStreamObserver<RangeResponse>) observer;
            TableHandle table;
            try {
                table = withTable(request.getTable(), CompletableFuture::completedFuture).join();
                CommandValidator.validate("range", request);
            } catch (RuntimeException e) {
                out.onError(Errors.toStatus(e));
                return;
            }
            RangePump pump = new RangePump(out, table.id());
            // both handlers must be set before this method returns
            out.setOnCancelHandler(pump::cancel);
            out.setOnReadyHandler(pump::drain);
            readPoint(table, request.getLinearizable()).whenComplete((ignored, failure) -> {
                if (failure != null) {
                    pump.fail(failure);
                } else {
                    pump.start(() -> table.stateMachine().table().iterate(request, Limits.MAX_RANGE_RESPONSE_BYTES));
                }
            });
        }
    }

    /**
     * Sends the pages of one IterateRange as fast as the client takes them: a page goes out only
     * while the call is ready (gRPC's flow-control window has room), the rest waits in the RocksDB
     * snapshot rather than in memory. The snapshot is released when the stream ends or is cancelled
     * (the client's deadline bounds how long a slow reader can hold it).
     */
    private final class RangePump {
        private final ServerCallStreamObserver<RangeResponse> out;
        private final long tableId;
        private RangeCursor cursor;
        private boolean finished;

        RangePump(ServerCallStreamObserver<RangeResponse> out, long tableId) {
            this.out = out;
            this.tableId = tableId;
        }

        synchronized void start(java.util.function.Supplier<RangeCursor> open) {
            if (finished) {
                return; // cancelled while waiting for the read point
            }
            try {
                cursor = open.get();
            } catch (RuntimeException e) {
                fail(e);
                return;
            }
            drain();
        }

        synchronized void drain() {
            if (finished || cursor == null) {
                return;
            }
            try {
                while (out.isReady() && cursor.hasNext()) {
                    RangeResponse r = cursor.next();
                    out.onNext(r.toBuilder().setHeader(router.header(tableId, cursor.revision())).build());
                }
                if (!cursor.hasNext()) {
                    release();
                    out.onCompleted();
                }
            } catch (RuntimeException e) {
                fail(e);
            }
        }

        synchronized void fail(Throwable failure) {
            if (!finished) {
                release();
                out.onError(Errors.toStatus(failure));
            }
        }

        synchronized void cancel() {
            release();
        }

        private void release() {
            finished = true;
            if (cursor != null) {
                cursor.close();
                cursor = null;
            }
        }
    }

    @Override
    public void put(PutRequest request, StreamObserver<PutResponse> observer) {
        try (var logContext = tableInLogs(request.getTable())) {
            Replies.reply(observer, () -> withTable(request.getTable(), table -> {
                CommandValidator.validate("put", request);
                return router.write(table.id(), table.name(), Command.newBuilder().setPut(request).build(),
                        result -> result.getPut().toBuilder()
                                .setHeader(router.header(table.id(), result.getPut().getHeader().getRevision())).build(),
                        (channel, deadline) -> KVGrpc.newFutureStub(channel).withDeadline(deadline).put(request));
            }));
        }
    }

    @Override
    public void deleteRange(DeleteRangeRequest request, StreamObserver<DeleteRangeResponse> observer) {
        try (var logContext = tableInLogs(request.getTable())) {
            Replies.reply(observer, () -> withTable(request.getTable(), table -> {
                CommandValidator.validate("delete_range", request);
                return router.write(table.id(), table.name(), Command.newBuilder().setDeleteRange(request).build(),
                        result -> result.getDeleteRange().toBuilder()
                                .setHeader(router.header(table.id(), result.getDeleteRange().getHeader().getRevision()))
                                .build(),
                        (channel, deadline) -> KVGrpc.newFutureStub(channel).withDeadline(deadline).deleteRange(request));
            }));
        }
    }

    @Override
    public void txn(TxnRequest request, StreamObserver<TxnResponse> observer) {
        try (var logContext = tableInLogs(request.getTable())) {
            Replies.reply(observer, () -> withTable(request.getTable(), table -> {
                CommandValidator.validate(request);
                return router.write(table.id(), table.name(), Command.newBuilder().setTxn(request).build(),
                        result -> result.getTxn().toBuilder()
                                .setHeader(router.header(table.id(), result.getTxn().getHeader().getRevision())).build(),
                        (channel, deadline) -> KVGrpc.newFutureStub(channel).withDeadline(deadline).txn(request));
            }));
        }
    }

    /** Names the table in every log line written while serving the request (the logback pattern shows it). */
    private static org.slf4j.MDC.MDCCloseable tableInLogs(String table) {
        return org.slf4j.MDC.putCloseable("table", table);
    }

    /**
     * Completes once this node applied at least {@code minRevision} of the table (at once for 0),
     * within the call's deadline: read-your-writes for a client that wrote through another cluster.
     */
    private CompletableFuture<?> revisionReached(TableHandle table, long minRevision) {
        if (minRevision <= 0) {
            return CompletableFuture.completedFuture(null);
        }
        io.grpc.Deadline deadline = io.grpc.Context.current().getDeadline();
        long waitMillis = deadline == null ? Router.DEFAULT_WRITE_TIMEOUT_MILLIS
                : Math.max(1, deadline.timeRemaining(java.util.concurrent.TimeUnit.MILLISECONDS));
        return table.stateMachine().watch().atLeast(minRevision)
                .orTimeout(waitMillis, java.util.concurrent.TimeUnit.MILLISECONDS)
                .exceptionallyCompose(e -> CompletableFuture.failedFuture(io.grpc.Status.DEADLINE_EXCEEDED
                        .withDescription("min_revision " + minRevision + " of table '" + table.name()
                                + "' not applied on this node within the deadline (it is at "
                                + table.stateMachine().position() + ")").asRuntimeException()));
    }

    /** Completes when a read may run: at once, or for a linearizable read once this node applied the read index. */
    private CompletableFuture<?> readPoint(TableHandle table, boolean linearizable) {
        if (!linearizable) {
            return CompletableFuture.completedFuture(null);
        }
        return node.engine().readIndex(table.id()).orTimeout(Router.DEFAULT_WRITE_TIMEOUT_MILLIS,
                java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /**
     * Runs {@code work} on the table named {@code name}. A table this node does not know yet may
     * have just been created through another node: before answering NOT_FOUND, catch up with the
     * catalog (a ReadIndex round on its group), so "does not exist" is linearizable with table
     * creation. Never blocks: a known table runs {@code work} at once on this thread; otherwise it
     * runs, in the call's gRPC context, when the catalog round completes.
     */
    private <T> CompletableFuture<T> withTable(String name, java.util.function.Function<TableHandle, CompletableFuture<T>> work) {
        CommandValidator.validateTableName("table", name);
        var known = node.table(name);
        if (known.isPresent()) {
            return work.apply(known.get());
        }
        Executor inCall = io.grpc.Context.current().fixedContextExecutor(MoreExecutors.directExecutor());
        return node.engine().readIndex(io.armada.server.node.Catalog.GROUP_ID)
                .orTimeout(CATALOG_CATCH_UP_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS)
                .handle((ignored, failure) -> {
                    if (failure != null) {
                        throw Errors.refused("table '" + name + "' is unknown here and the catalog cannot be"
                                + " reached to confirm it does not exist; retry", null);
                    }
                    return node.table(name).orElseThrow(() -> Errors.notFound("table '" + name + "' does not exist"));
                })
                .thenComposeAsync(work, inCall);
    }

    /** Bound on the catalog catch-up of a request naming an unknown table. */
    static final long CATALOG_CATCH_UP_MILLIS = 5_000;
}
