package io.armada.client;

import com.google.common.net.HostAndPort;
import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import io.armada.api.v1.ClusterGrpc;
import io.armada.api.v1.CreateTableRequest;
import io.armada.api.v1.CreateTableResponse;
import io.armada.api.v1.DeleteRangeRequest;
import io.armada.api.v1.DeleteRangeResponse;
import io.armada.api.v1.DeleteTableRequest;
import io.armada.api.v1.DeleteTableResponse;
import io.armada.api.v1.HashRequest;
import io.armada.api.v1.HashResponse;
import io.armada.api.v1.KVGrpc;
import io.armada.api.v1.ListTablesRequest;
import io.armada.api.v1.ListTablesResponse;
import io.armada.api.v1.MaintenanceGrpc;
import io.armada.api.v1.PutRequest;
import io.armada.api.v1.PutResponse;
import io.armada.api.v1.RangeRequest;
import io.armada.api.v1.RangeResponse;
import io.armada.api.v1.ResponseHeader;
import io.armada.api.v1.StatusRequest;
import io.armada.api.v1.StatusResponse;
import io.armada.api.v1.TableInfo;
import io.armada.api.v1.TablesGrpc;
import io.armada.api.v1.TxnRequest;
import io.armada.api.v1.TxnResponse;
import io.armada.proto.Limits;
import io.armada.proto.Trailers;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.net.ssl.SSLException;

/**
 * A client of an Armada cluster: any node serves every request (writes are forwarded to the
 * leader inside the cluster), but once an answer has named a table's Raft leader, that table's
 * writes and linearizable reads go to the leader's endpoint directly (see {@link TableLeaderRoutes}).
 * A read that finds a node UNAVAILABLE (or too slow) is retried on the next endpoint, up to once
 * per endpoint; a write only when it certainly did not apply ({@link Trailers#certainlyNotApplied}: the node refused it, or could not be reached) — a
 * write that timed out or lost its connection fails with its status, as it may have been applied. The futures of the
 * {@code *Async} calls complete on gRPC's network threads: continuations must not block (call the
 * blocking methods from your own threads).
 */
public final class ArmadaClient implements AutoCloseable {
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final Duration timeout;
    /** The endpoint calls without a known leader try first: the last one that answered them. */
    private volatile int next;

    private final TableLeaderRoutes routes;
    /** The routing key of the catalog's group (table names are never empty). */
    private static final String CATALOG = "";

    /** {@code endpoints} are {@code host:port}; plaintext. */
    public ArmadaClient(List<String> endpoints, Duration timeout) {
        this(endpoints, timeout, null);
    }

    /** {@code endpoints} are {@code host:port}; TLS when {@code tls} is not null, plaintext otherwise. */
    public ArmadaClient(List<String> endpoints, Duration timeout, ClientTls tls) {
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("endpoints: at least one host:port is required");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout: " + timeout + " must be positive");
        }
        SslContext ssl = tls == null ? null : sslContext(tls);
        for (String e : endpoints) {
            HostAndPort address = endpoint(e);
            NettyChannelBuilder b = NettyChannelBuilder.forAddress(address.getHost(), address.getPort())
                    .maxInboundMessageSize(MAX_RESPONSE_BYTES)
                    // answers complete on the network thread that read them (no hand-off to a pool thread):
                    // the client's own callbacks never block, and the *Async contract says continuations must not
                    .directExecutor();
            channels.add((ssl == null ? b.usePlaintext() : b.sslContext(ssl)).build());
        }
        this.timeout = timeout;
        this.routes = new TableLeaderRoutes(channels.size());
    }

    /** {@code host:port}, {@code [v6]:port} for IPv6, or an IllegalArgumentException naming the endpoint. */
    private static HostAndPort endpoint(String text) {
        HostAndPort parsed;
        try {
            parsed = HostAndPort.fromString(text).requireBracketsForIPv6();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("endpoints: '" + text + "' is not host:port (" + e.getMessage() + ")");
        }
        if (!parsed.hasPort()) {
            throw new IllegalArgumentException("endpoints: '" + text + "' is not host:port: the port is missing");
        }
        return parsed;
    }

    /** A range page is at most {@link Limits#MAX_RANGE_RESPONSE_BYTES} of records plus its header and framing. */
    private static final int MAX_RESPONSE_BYTES = Limits.MAX_RANGE_RESPONSE_BYTES + 64 * 1024;

    private static SslContext sslContext(ClientTls tls) {
        try {
            SslContextBuilder b = GrpcSslContexts.forClient();
            if (tls.caFile() != null) {
                b.trustManager(tls.caFile().toFile());
            }
            if (tls.certFile() != null) {
                b.keyManager(tls.certFile().toFile(), tls.keyFile().toFile());
            }
            return b.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("tls: " + e.getMessage(), e);
        }
    }

    /** Puts {@code value} at {@code key}; returns the write's revision. */
    public long put(String table, byte[] key, byte[] value) {
        return await(putAsync(table, key, value));
    }

    /** {@link #put} without blocking; the future fails with an {@link ArmadaException}. */
    public CompletableFuture<Long> putAsync(String table, byte[] key, byte[] value) {
        PutRequest req = PutRequest.newBuilder()
                .setTable(table)
                .setKey(ByteString.copyFrom(key))
                .setValue(ByteString.copyFrom(value))
                .build();
        return callAsync(table, Route.LEADER, false, ch -> kv(ch).put(req), PutResponse::getHeader)
                .thenApply(r -> r.getHeader().getRevision());
    }

    public Optional<KeyRecord> get(String table, byte[] key, boolean linearizable) {
        RangeResult r = range(table, key, null, 1, linearizable);
        return r.kvs().isEmpty() ? Optional.empty() : Optional.of(r.kvs().getFirst());
    }

    /** Keys in {@code [key, rangeEnd)} (etcd's conventions; null rangeEnd reads the one key); limit 0 = all. */
    public RangeResult range(String table, byte[] key, byte[] rangeEnd, long limit, boolean linearizable) {
        return await(rangeAsync(table, key, rangeEnd, limit, linearizable, 0));
    }

    /**
     * {@link #range} without blocking. {@code minRevision} &gt; 0 makes the answering node wait (within
     * the timeout) until it has applied that revision: read-your-writes on a follower cluster.
     * Linearizable reads go to the table's leader when it is known (its ReadIndex needs no extra hop);
     * serializable ones to whichever endpoint answered last.
     */
    public CompletableFuture<RangeResult> rangeAsync(
            String table, byte[] key, byte[] rangeEnd, long limit, boolean linearizable, long minRevision) {
        RangeRequest.Builder req = RangeRequest.newBuilder()
                .setTable(table)
                .setKey(ByteString.copyFrom(key))
                .setLimit(limit)
                .setLinearizable(linearizable)
                .setMinRevision(minRevision);
        if (rangeEnd != null) {
            req.setRangeEnd(ByteString.copyFrom(rangeEnd));
        }
        RangeRequest built = req.build();
        return callAsync(
                        table,
                        linearizable ? Route.LEADER : Route.ANY,
                        true,
                        ch -> kv(ch).range(built),
                        RangeResponse::getHeader)
                .thenApply(RangeResult::of);
    }

    /**
     * Runs {@code success} if every compare holds, {@code failure} otherwise, atomically on one table
     * (at most {@link Limits#MAX_TXN_OPS} operations per branch). Not retried after a timeout.
     */
    public TxnResult txn(String table, List<TxnCondition> conditions, List<Op> success, List<Op> failure) {
        return await(txnAsync(table, conditions, success, failure));
    }

    /** {@link #txn} without blocking. */
    public CompletableFuture<TxnResult> txnAsync(
            String table, List<TxnCondition> conditions, List<Op> success, List<Op> failure) {
        TxnRequest.Builder req = TxnRequest.newBuilder().setTable(table);
        conditions.forEach(c -> req.addCompare(c.toProto()));
        success.forEach(op -> req.addSuccess(Op.toProto(table, op)));
        failure.forEach(op -> req.addFailure(Op.toProto(table, op)));
        TxnRequest built = req.build();
        return callAsync(table, Route.LEADER, false, ch -> kv(ch).txn(built), TxnResponse::getHeader)
                .thenApply(TxnResult::of);
    }

    /** Deletes {@code [key, rangeEnd)} (null rangeEnd: the one key); returns how many keys were deleted. */
    public long delete(String table, byte[] key, byte[] rangeEnd) {
        DeleteRangeRequest.Builder req =
                DeleteRangeRequest.newBuilder().setTable(table).setKey(ByteString.copyFrom(key));
        if (rangeEnd != null) {
            req.setRangeEnd(ByteString.copyFrom(rangeEnd));
        }
        DeleteRangeRequest built = req.build();
        return await(callAsync(
                        table, Route.LEADER, false, ch -> kv(ch).deleteRange(built), DeleteRangeResponse::getHeader))
                .getDeleted();
    }

    private KVGrpc.KVFutureStub kv(ManagedChannel ch) {
        return KVGrpc.newFutureStub(ch).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public TableDetails createTable(String name) {
        CreateTableRequest req = CreateTableRequest.newBuilder().setName(name).build();
        return info(await(callAsync(
                        CATALOG, Route.LEADER, false, ch -> tables(ch).create(req), CreateTableResponse::getHeader))
                .getTable());
    }

    public void deleteTable(String name) {
        DeleteTableRequest req = DeleteTableRequest.newBuilder().setName(name).build();
        await(callAsync(CATALOG, Route.LEADER, false, ch -> tables(ch).delete(req), DeleteTableResponse::getHeader));
    }

    public List<TableDetails> listTables() {
        return await(callAsync(
                        CATALOG,
                        Route.ANY,
                        true,
                        ch -> tables(ch).list(ListTablesRequest.getDefaultInstance()),
                        ListTablesResponse::getHeader))
                .getTablesList()
                .stream()
                .map(ArmadaClient::info)
                .toList();
    }

    private TablesGrpc.TablesFutureStub tables(ManagedChannel ch) {
        return TablesGrpc.newFutureStub(ch).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Each endpoint's own view (role per table, applied revisions); an unreachable one is an exception in its slot. */
    public List<Optional<StatusResponse>> statusOfEach() {
        List<Optional<StatusResponse>> out = new ArrayList<>();
        for (ManagedChannel ch : channels) {
            try {
                out.add(Optional.of(ClusterGrpc.newBlockingStub(ch)
                        .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                        .status(StatusRequest.getDefaultInstance())));
            } catch (StatusRuntimeException e) {
                out.add(Optional.empty());
            }
        }
        return out;
    }

    /**
     * Each endpoint's digest of {@code table} as that node holds it; equal digests at equal
     * revisions mean equal content (compare the nodes of a cluster, or a follower cluster with the
     * leader's). An unreachable endpoint, or one without the table, is empty in its slot.
     */
    public List<Optional<TableDigest>> hashOfEach(String table) {
        List<Optional<TableDigest>> out = new ArrayList<>();
        for (ManagedChannel ch : channels) {
            try {
                HashResponse r = MaintenanceGrpc.newBlockingStub(ch)
                        .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                        .hash(HashRequest.newBuilder().setTable(table).build());
                out.add(Optional.of(new TableDigest(
                        r.getHeader().getMemberId(),
                        r.getHeader().getRevision(),
                        HexFormat.of().formatHex(r.getSha256().toByteArray()))));
            } catch (StatusRuntimeException e) {
                out.add(Optional.empty());
            }
        }
        return out;
    }

    private static TableDetails info(TableInfo t) {
        return new TableDetails(
                t.getName(),
                t.getId(),
                t.getStatus().getLeaderId(),
                t.getStatus().getRaftTerm(),
                t.getStatus().getAppliedRevision());
    }

    /** Where a call goes first: the table's leader when one is known, or the endpoint that answered last. */
    private enum Route {
        LEADER,
        ANY
    }

    /**
     * Sends {@code rpc} to its first endpoint and, when that node is UNAVAILABLE (or, for an
     * idempotent call, too slow), to the next, at most once per endpoint. Calls from many threads
     * run concurrently; they share only the preferred endpoint and the learned routes.
     */
    private <R> CompletableFuture<R> callAsync(
            String table,
            Route route,
            boolean idempotent,
            Function<ManagedChannel, ListenableFuture<R>> rpc,
            Function<R, ResponseHeader> header) {
        int leader = route == Route.LEADER ? routes.leaderEndpoint(table) : -1;
        CompletableFuture<R> out = new CompletableFuture<>();
        attempt(new Attempt<>(table, idempotent, rpc, header, out), leader >= 0 ? leader : next, leader < 0, 0);
        return out;
    }

    private record Attempt<R>(
            String table,
            boolean idempotent,
            Function<ManagedChannel, ListenableFuture<R>> rpc,
            Function<R, ResponseHeader> header,
            CompletableFuture<R> out) {}

    /** {@code sticky}: a success makes {@code at} the endpoint later calls without a known leader try first. */
    private <R> void attempt(Attempt<R> a, int at, boolean sticky, int tried) {
        ListenableFuture<R> call;
        try {
            call = a.rpc().apply(channels.get(at));
        } catch (RuntimeException e) {
            a.out().completeExceptionally(failure(e));
            return;
        }
        Futures.addCallback(
                call,
                new FutureCallback<>() {
                    @Override
                    public void onSuccess(R result) {
                        if (sticky) {
                            next = at;
                        }
                        routes.learn(at, a.table(), a.header().apply(result));
                        a.out().complete(result);
                    }

                    @Override
                    public void onFailure(Throwable t) {
                        Status.Code code = Status.fromThrowable(t).getCode();
                        boolean retry = a.idempotent()
                                ? code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED
                                : code == Status.Code.UNAVAILABLE && Trailers.certainlyNotApplied(t);
                        if (retry && tried + 1 < channels.size()) {
                            attempt(a, (at + 1) % channels.size(), true, tried + 1);
                        } else {
                            a.out().completeExceptionally(failure(t));
                        }
                    }
                },
                MoreExecutors.directExecutor());
    }

    private static ArmadaException failure(Throwable t) {
        Status s = Status.fromThrowable(t);
        ArmadaException.Code code;
        try {
            code = ArmadaException.Code.valueOf(s.getCode().name());
        } catch (IllegalArgumentException e) {
            code = ArmadaException.Code.UNKNOWN;
        }
        return new ArmadaException(
                code, s.getDescription() == null ? s.getCode().name() : s.getDescription(), t);
    }

    /** The blocking methods' wait: an {@link ArmadaException} is rethrown as it is. */
    private static <T> T await(CompletableFuture<T> call) {
        try {
            return call.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof ArmadaException a) {
                throw a;
            }
            throw e;
        }
    }

    @Override
    public void close() {
        channels.forEach(ManagedChannel::shutdownNow);
    }
}
