package io.armada.bench;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import io.armada.api.v1.Compare;
import io.armada.api.v1.CreateTableRequest;
import io.armada.api.v1.KVGrpc;
import io.armada.api.v1.ListTablesRequest;
import io.armada.api.v1.PutRequest;
import io.armada.api.v1.RangeRequest;
import io.armada.api.v1.RequestOp;
import io.armada.api.v1.TablesGrpc;
import io.armada.api.v1.TxnRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Armada through its gRPC API: one channel per client, spread over the endpoints. */
final class ArmadaTarget implements Target {
    static final long DEADLINE_MILLIS = 10_000;

    private final List<ManagedChannel> channels = new ArrayList<>();

    ArmadaTarget(List<String> endpoints, int clients) {
        for (int i = 0; i < clients; i++) {
            String e = endpoints.get(i % endpoints.size());
            int colon = e.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("endpoints: '" + e + "' is not host:port");
            }
            channels.add(NettyChannelBuilder.forAddress(e.substring(0, colon), Integer.parseInt(e.substring(colon + 1)))
                    .usePlaintext().build());
        }
    }

    private KVGrpc.KVFutureStub kv(int client) {
        return KVGrpc.newFutureStub(channels.get(client)).withDeadlineAfter(DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public CompletableFuture<Long> put(int client, String table, byte[] key, byte[] value) {
        return complete(kv(client).put(PutRequest.newBuilder().setTable(table).setKey(ByteString.copyFrom(key))
                .setValue(ByteString.copyFrom(value)).build()), r -> r.getHeader().getRevision());
    }

    @Override
    public CompletableFuture<Long> get(int client, String table, byte[] key, boolean linearizable) {
        return complete(kv(client).range(RangeRequest.newBuilder().setTable(table).setKey(ByteString.copyFrom(key))
                .setLinearizable(linearizable).build()), r -> r.getHeader().getRevision());
    }

    /** A read that waits until the answering node applied {@code minRevision} (bounded by the deadline). */
    CompletableFuture<Long> getAtLeast(int client, String table, byte[] key, long minRevision) {
        return complete(kv(client).range(RangeRequest.newBuilder().setTable(table).setKey(ByteString.copyFrom(key))
                .setMinRevision(minRevision).build()), r -> r.getHeader().getRevision());
    }

    @Override
    public CompletableFuture<Long> txn(int client, String table, byte[] key, byte[] value) {
        ByteString k = ByteString.copyFrom(key);
        return complete(kv(client).txn(TxnRequest.newBuilder().setTable(table)
                .addCompare(Compare.newBuilder().setKey(k).setTarget(Compare.CompareTarget.MOD)
                        .setResult(Compare.CompareResult.NOT_EQUAL).setModRevision(-1))
                .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(k)
                        .setValue(ByteString.copyFrom(value))))
                .build()), r -> r.getHeader().getRevision());
    }

    @Override
    public void prepare(List<String> tables) {
        var stub = TablesGrpc.newBlockingStub(channels.getFirst()).withDeadlineAfter(DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
        Set<String> existing = stub.list(ListTablesRequest.getDefaultInstance()).getTablesList().stream()
                .map(io.armada.api.v1.TableInfo::getName).collect(Collectors.toSet());
        for (String t : tables) {
            if (!existing.contains(t)) {
                TablesGrpc.newBlockingStub(channels.getFirst()).withDeadlineAfter(DEADLINE_MILLIS, TimeUnit.MILLISECONDS)
                        .create(CreateTableRequest.newBuilder().setName(t).build());
            }
        }
    }

    private static <R> CompletableFuture<Long> complete(ListenableFuture<R> call, Function<R, Long> revision) {
        CompletableFuture<Long> out = new CompletableFuture<>();
        Futures.addCallback(call, new FutureCallback<>() {
            @Override
            public void onSuccess(R result) {
                out.complete(revision.apply(result));
            }

            @Override
            public void onFailure(Throwable t) {
                out.completeExceptionally(t);
            }
        }, MoreExecutors.directExecutor());
        return out;
    }

    @Override
    public void close() {
        channels.forEach(ManagedChannel::shutdownNow);
    }
}
