package io.armada.server.api;

import com.google.common.util.concurrent.ListenableFuture;
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
import io.armada.internal.v1.CommandResult;
import io.armada.proto.Limits;
import io.armada.server.node.ArmadaNode;
import io.armada.server.node.TableHandle;
import io.armada.storage.CommandValidator;
import io.armada.storage.RangeCursor;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The armada.v1 KV service on one node. Writes go through {@link Router} (local proposal or one
 * forward to the group leader) and are answered after the entry is committed by a quorum and
 * applied; {@code header.revision} is its Raft index. Reads are served locally: serializable by
 * default, linearizable after a ReadIndex round when asked.
 */
final class KvService extends KVGrpc.KVImplBase {
    private final ArmadaNode node;
    private final Router router;
    private final Executor serviceExecutor;
    private final PacedStream.Settings streams;

    /**
     * @param serviceExecutor where reads run once their read point is reached (a linearizable read's
     *     ReadIndex completes on a Raft worker, which must not scan tables)
     * @param streams how IterateRange streams are paced and cut off
     */
    KvService(ArmadaNode node, Router router, Executor serviceExecutor, PacedStream.Settings streams) {
        this.node = node;
        this.router = router;
        this.serviceExecutor = serviceExecutor;
        this.streams = streams;
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
            Replies.reply(
                    observer,
                    () -> withTable(request.getTable(), table -> {
                        CommandValidator.validate("range", request);
                        CompletableFuture<?> readable = readPoint(table, request.getLinearizable())
                                .thenCompose(ignored -> revisionReached(table, request.getMinRevision()));
                        java.util.function.Function<Object, RangeResponse> read = ignored -> {
                            refuseWhileCatchingUp(table);
                            if (table.stateMachine().table().isResetting()) {
                                throw Errors.refused(
                                        "table '" + table.name() + "' is loading a snapshot of the leader"
                                                + " cluster; retry shortly or read from another cluster",
                                        null);
                            }
                            RangeResponse r = table.stateMachine().table().range(request);
                            return r.toBuilder()
                                    .setHeader(router.header(
                                            table.id(), r.getHeader().getRevision()))
                                    .build();
                        };
                        // a serializable read is readable at once and stays on this service thread; one that
                        // waited (ReadIndex, min_revision) continues on a service thread, never a Raft worker
                        return readable.isDone() ? readable.thenApply(read) : readable.thenApplyAsync(read, inCall);
                    }));
        }
    }

    /**
     * Streams the range in pages of at most {@link Limits#MAX_ITERATE_PAGE_BYTES}, each produced only
     * when the client made room for it ({@link PacedStream}), from one RocksDB snapshot taken once the
     * read point and {@code min_revision} are reached (the same waits as {@link #range}).
     */
    @Override
    public void iterateRange(RangeRequest request, StreamObserver<RangeResponse> observer) {
        try (var logContext = tableInLogs(request.getTable())) {
            PacedStream<RangeResponse> stream = new PacedStream<>(
                    (ServerCallStreamObserver<RangeResponse>) observer,
                    streams,
                    "IterateRange of table '" + request.getTable() + "'",
                    Errors::toStatus);
            CompletableFuture<TableHandle> readable;
            try {
                readable = withTable(request.getTable(), table -> {
                    CommandValidator.validate("range", request);
                    return readPoint(table, request.getLinearizable())
                            .thenCompose(ignored -> revisionReached(table, request.getMinRevision()))
                            .thenApply(ignored -> table);
                });
            } catch (RuntimeException invalid) {
                stream.fail(invalid);
                return;
            }
            readable.whenComplete((table, failure) -> {
                if (failure != null) {
                    stream.fail(failure);
                } else {
                    stream.start(() -> pages(table, request));
                }
            });
        }
    }

    /**
     * A node restarted after a power loss may hold a table behind states it served before: it serves
     * no local read of it until its group confirmed it caught up (found by power-loss-node: a client
     * read revision 201 after 202 from the same endpoint).
     */
    private static void refuseWhileCatchingUp(TableHandle table) {
        if (table.stateMachine().table().isRetired()) {
            // the first step of its delete applied here: the catalog drops it next
            throw Errors.notFound("table '" + table.name() + "' was deleted");
        }
        if (table.stateMachine().catchingUp()) {
            throw Errors.refused(
                    "table '" + table.name() + "' is catching up with its group after a restart on"
                            + " this node; retry shortly or read from another member",
                    null);
        }
    }

    /** The pages of one IterateRange, each with this node's header at the cursor's revision. */
    private PacedStream.Pages<RangeResponse> pages(TableHandle table, RangeRequest request) {
        refuseWhileCatchingUp(table);
        if (table.stateMachine().table().isResetting()) {
            throw Errors.refused(
                    "table '" + table.name() + "' is loading a snapshot of the leader"
                            + " cluster; retry shortly or read from another cluster",
                    null);
        }
        RangeCursor cursor = table.stateMachine().table().iterate(request, Limits.MAX_ITERATE_PAGE_BYTES);
        return new PacedStream.Pages<>() {
            @Override
            public boolean hasNext() {
                return cursor.hasNext();
            }

            @Override
            public RangeResponse next() {
                RangeResponse r = cursor.next();
                return r.toBuilder()
                        .setHeader(router.header(table.id(), cursor.revision()))
                        .build();
            }

            @Override
            public void close() {
                cursor.close();
            }
        };
    }

    @Override
    public void put(PutRequest request, StreamObserver<PutResponse> observer) {
        write(request.getTable(), request, PUT, observer);
    }

    @Override
    public void deleteRange(DeleteRangeRequest request, StreamObserver<DeleteRangeResponse> observer) {
        write(request.getTable(), request, DELETE_RANGE, observer);
    }

    @Override
    public void txn(TxnRequest request, StreamObserver<TxnResponse> observer) {
        write(request.getTable(), request, TXN, observer);
    }

    /** What differs between the table writes Put, DeleteRange and Txn; {@link #write} is their one path. */
    private record TableWrite<Q, R>(
            Consumer<Q> validate,
            Function<Q, Command> command,
            ReplyHeader<R> header,
            Function<CommandResult, R> result,
            BiFunction<KVGrpc.KVFutureStub, Q, ListenableFuture<R>> forward) {}

    private static final TableWrite<PutRequest, PutResponse> PUT = new TableWrite<>(
            put -> CommandValidator.validate("put", put),
            put -> Command.newBuilder().setPut(put).build(),
            ReplyHeader.PUT,
            CommandResult::getPut,
            KVGrpc.KVFutureStub::put);
    private static final TableWrite<DeleteRangeRequest, DeleteRangeResponse> DELETE_RANGE = new TableWrite<>(
            delete -> CommandValidator.validate("delete_range", delete),
            delete -> Command.newBuilder().setDeleteRange(delete).build(),
            ReplyHeader.DELETE_RANGE,
            CommandResult::getDeleteRange,
            KVGrpc.KVFutureStub::deleteRange);
    private static final TableWrite<TxnRequest, TxnResponse> TXN = new TableWrite<>(
            CommandValidator::validate,
            txn -> Command.newBuilder().setTxn(txn).build(),
            ReplyHeader.TXN,
            CommandResult::getTxn,
            KVGrpc.KVFutureStub::txn);

    /**
     * Validates the request, then commits it through the table's group here, forwarded to the member
     * that leads it, or to the leader cluster ({@link Router}); the answer's header is this node's view
     * at the write's revision.
     */
    private <Q, R> void write(String tableName, Q request, TableWrite<Q, R> write, StreamObserver<R> observer) {
        try (var logContext = tableInLogs(tableName)) {
            Replies.reply(
                    observer,
                    () -> withTable(tableName, table -> {
                        write.validate().accept(request);
                        return router.write(
                                table.id(),
                                table.name(),
                                write.command().apply(request),
                                write.header(),
                                result -> {
                                    R applied = write.result().apply(result);
                                    return write.header()
                                            .set()
                                            .apply(
                                                    applied,
                                                    router.header(
                                                            table.id(),
                                                            write.header().revision(applied)));
                                },
                                (channel, deadline) -> write.forward()
                                        .apply(KVGrpc.newFutureStub(channel).withDeadline(deadline), request));
                    }));
        }
    }

    /** Names the table in every log line written while serving the request (the logback pattern shows it). */
    private static org.slf4j.MDC.MDCCloseable tableInLogs(String table) {
        return org.slf4j.MDC.putCloseable("table", table);
    }

    /**
     * Completes once this node applied at least {@code minRevision} of the table (at once for 0),
     * within the call's deadline and at most {@link Limits#MAX_MIN_REVISION_WAIT_MILLIS}:
     * read-your-writes for a client that wrote through another cluster.
     */
    private CompletableFuture<?> revisionReached(TableHandle table, long minRevision) {
        if (minRevision <= 0) {
            return CompletableFuture.completedFuture(null);
        }
        io.grpc.Deadline deadline = io.grpc.Context.current().getDeadline();
        long clientMillis = deadline == null
                ? Long.MAX_VALUE
                : Math.max(1, deadline.timeRemaining(java.util.concurrent.TimeUnit.MILLISECONDS));
        long waitMillis = Math.min(clientMillis, Limits.MAX_MIN_REVISION_WAIT_MILLIS);
        boolean serverCap = waitMillis < clientMillis;
        return table.stateMachine()
                .watch()
                .atLeast(minRevision)
                .orTimeout(waitMillis, java.util.concurrent.TimeUnit.MILLISECONDS)
                .exceptionallyCompose(e -> {
                    String notYet = "min_revision " + minRevision + " of table '" + table.name()
                            + "' not applied on this node within ";
                    long at = table.stateMachine().position();
                    // past the server's cap the client still has time: a refusal it may retry (UNAVAILABLE)
                    return CompletableFuture.failedFuture(
                            serverCap
                                    ? Errors.refused(
                                            notYet + waitMillis + " ms (limit Limits.MAX_MIN_REVISION_WAIT_MILLIS);"
                                                    + " it is at " + at + "; retry, or read from another node",
                                            null)
                                    : io.grpc.Status.DEADLINE_EXCEEDED
                                            .withDescription(notYet + "the deadline (it is at " + at + ")")
                                            .asRuntimeException());
                });
    }

    /** Completes when a read may run: at once, or for a linearizable read once this node applied the read index. */
    private CompletableFuture<?> readPoint(TableHandle table, boolean linearizable) {
        if (!linearizable) {
            return CompletableFuture.completedFuture(null);
        }
        return node.engine()
                .readIndex(table.id())
                .orTimeout(Router.DEFAULT_WRITE_TIMEOUT_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    private <T> CompletableFuture<T> withTable(
            String name, java.util.function.Function<TableHandle, CompletableFuture<T>> work) {
        return TableLookup.withTable(node, name, serviceExecutor, work);
    }
}
