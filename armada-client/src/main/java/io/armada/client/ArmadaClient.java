package io.armada.client;

import com.google.protobuf.ByteString;
import io.armada.api.v1.ClusterGrpc;
import io.armada.api.v1.CreateTableRequest;
import io.armada.api.v1.DeleteRangeRequest;
import io.armada.api.v1.DeleteTableRequest;
import io.armada.api.v1.HashRequest;
import io.armada.api.v1.HashResponse;
import io.armada.api.v1.KVGrpc;
import io.armada.api.v1.ListTablesRequest;
import io.armada.api.v1.MaintenanceGrpc;
import io.armada.api.v1.PutRequest;
import io.armada.api.v1.RangeRequest;
import io.armada.api.v1.StatusRequest;
import io.armada.api.v1.StatusResponse;
import io.armada.api.v1.TablesGrpc;
import io.armada.api.v1.TxnRequest;
import io.armada.proto.Limits;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import javax.net.ssl.SSLException;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A client of an Armada cluster: any node serves every request (writes are forwarded to the
 * leader inside the cluster). A call that finds a node UNAVAILABLE is retried on the next endpoint,
 * up to once per endpoint. A write that timed out is never retried: it may have been applied.
 */
public final class ArmadaClient implements AutoCloseable {
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final Duration timeout;
    /** The endpoint calls try first: the last one that answered. */
    private volatile int next;

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
            int colon = e.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("endpoints: '" + e + "' is not host:port");
            }
            int port;
            try {
                port = Integer.parseInt(e.substring(colon + 1));
            } catch (NumberFormatException notANumber) {
                throw new IllegalArgumentException("endpoints: '" + e + "' has no numeric port");
            }
            NettyChannelBuilder b = NettyChannelBuilder.forAddress(e.substring(0, colon), port)
                    .maxInboundMessageSize(MAX_RESPONSE_BYTES);
            channels.add((ssl == null ? b.usePlaintext() : b.sslContext(ssl)).build());
        }
        this.timeout = timeout;
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
        return call(false, ch -> KVGrpc.newBlockingStub(ch).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .put(PutRequest.newBuilder().setTable(table).setKey(ByteString.copyFrom(key))
                        .setValue(ByteString.copyFrom(value)).build()).getHeader().getRevision());
    }

    public Optional<KeyValue> get(String table, byte[] key, boolean linearizable) {
        RangeResult r = range(table, key, null, 1, linearizable);
        return r.kvs().isEmpty() ? Optional.empty() : Optional.of(r.kvs().getFirst());
    }

    /** Keys in {@code [key, rangeEnd)} (etcd's conventions; null rangeEnd reads the one key); limit 0 = all. */
    public RangeResult range(String table, byte[] key, byte[] rangeEnd, long limit, boolean linearizable) {
        RangeRequest.Builder req = RangeRequest.newBuilder().setTable(table).setKey(ByteString.copyFrom(key))
                .setLimit(limit).setLinearizable(linearizable);
        if (rangeEnd != null) {
            req.setRangeEnd(ByteString.copyFrom(rangeEnd));
        }
        var r = call(true, ch -> KVGrpc.newBlockingStub(ch).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .range(req.build()));
        return RangeResult.of(r);
    }

    /**
     * Runs {@code success} if every compare holds, {@code failure} otherwise, atomically on one table
     * (at most {@link Limits#MAX_TXN_OPS} operations per branch). Not retried after a timeout.
     */
    public TxnResult txn(String table, List<Compare> compares, List<Op> success, List<Op> failure) {
        TxnRequest.Builder req = TxnRequest.newBuilder().setTable(table);
        compares.forEach(c -> req.addCompare(c.toProto()));
        success.forEach(op -> req.addSuccess(Op.toProto(table, op)));
        failure.forEach(op -> req.addFailure(Op.toProto(table, op)));
        return TxnResult.of(call(false, ch -> KVGrpc.newBlockingStub(ch)
                .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS).txn(req.build())));
    }

    /** Deletes {@code [key, rangeEnd)} (null rangeEnd: the one key); returns how many keys were deleted. */
    public long delete(String table, byte[] key, byte[] rangeEnd) {
        DeleteRangeRequest.Builder req = DeleteRangeRequest.newBuilder().setTable(table).setKey(ByteString.copyFrom(key));
        if (rangeEnd != null) {
            req.setRangeEnd(ByteString.copyFrom(rangeEnd));
        }
        return call(false, ch -> KVGrpc.newBlockingStub(ch).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .deleteRange(req.build()).getDeleted());
    }

    public TableInfo createTable(String name) {
        var t = call(false, ch -> TablesGrpc.newBlockingStub(ch).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .create(CreateTableRequest.newBuilder().setName(name).build()).getTable());
        return info(t);
    }

    public void deleteTable(String name) {
        call(false, ch -> TablesGrpc.newBlockingStub(ch).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .delete(DeleteTableRequest.newBuilder().setName(name).build()));
    }

    public List<TableInfo> listTables() {
        return call(true, ch -> TablesGrpc.newBlockingStub(ch).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .list(ListTablesRequest.getDefaultInstance())).getTablesList().stream().map(ArmadaClient::info).toList();
    }

    /** Each endpoint's own view (role per table, applied revisions); an unreachable one is an exception in its slot. */
    public List<Optional<StatusResponse>> statusOfEach() {
        List<Optional<StatusResponse>> out = new ArrayList<>();
        for (ManagedChannel ch : channels) {
            try {
                out.add(Optional.of(ClusterGrpc.newBlockingStub(ch).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
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
                HashResponse r = MaintenanceGrpc.newBlockingStub(ch).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                        .hash(HashRequest.newBuilder().setTable(table).build());
                out.add(Optional.of(new TableDigest(r.getHeader().getMemberId(), r.getHeader().getRevision(),
                        HexFormat.of().formatHex(r.getSha256().toByteArray()))));
            } catch (StatusRuntimeException e) {
                out.add(Optional.empty());
            }
        }
        return out;
    }

    private static TableInfo info(io.armada.api.v1.TableInfo t) {
        return new TableInfo(t.getName(), t.getId(), t.getStatus().getLeaderId(), t.getStatus().getRaftTerm(),
                t.getStatus().getAppliedRevision());
    }

    // not synchronized: calls from many threads run concurrently; they only share the preferred endpoint
    private <T> T call(boolean idempotent, Function<ManagedChannel, T> rpc) {
        StatusRuntimeException last = null;
        int at = next;
        for (int attempt = 0; attempt < channels.size(); attempt++) {
            ManagedChannel ch = channels.get(at);
            try {
                T result = rpc.apply(ch);
                next = at;
                return result;
            } catch (StatusRuntimeException e) {
                last = e;
                Status.Code code = e.getStatus().getCode();
                boolean retry = code == Status.Code.UNAVAILABLE || idempotent && code == Status.Code.DEADLINE_EXCEEDED;
                if (!retry) {
                    break;
                }
                at = (at + 1) % channels.size();
            }
        }
        Status s = last.getStatus();
        ArmadaException.Code code;
        try {
            code = ArmadaException.Code.valueOf(s.getCode().name());
        } catch (IllegalArgumentException e) {
            code = ArmadaException.Code.UNKNOWN;
        }
        throw new ArmadaException(code, s.getDescription() == null ? s.getCode().name() : s.getDescription(), last);
    }

    @Override
    public void close() {
        channels.forEach(ManagedChannel::shutdownNow);
    }
}
