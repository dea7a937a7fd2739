package io.armada.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.armada.api.v1.ClusterGrpc;
import io.armada.api.v1.Compare;
import io.armada.api.v1.CreateTableRequest;
import io.armada.api.v1.DeleteRangeRequest;
import io.armada.api.v1.DeleteTableRequest;
import io.armada.api.v1.KVGrpc;
import io.armada.api.v1.ListTablesRequest;
import io.armada.api.v1.PutRequest;
import io.armada.api.v1.PutResponse;
import io.armada.api.v1.RangeRequest;
import io.armada.api.v1.RangeResponse;
import io.armada.api.v1.RequestOp;
import io.armada.api.v1.StatusRequest;
import io.armada.api.v1.TablesGrpc;
import io.armada.api.v1.TxnRequest;
import io.armada.api.v1.TxnResponse;
import io.armada.proto.Limits;
import io.armada.server.config.ServerConfig;
import io.armada.server.dev.DevCluster;
import io.armada.server.dev.FreePorts;
import io.armada.server.process.NodeProcess;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A three-node leader cluster of real node processes (RocksDB, QUIC and gRPC on 127.0.0.1, started
 * from YAML files), driven through the public API of each node: table lifecycle, writes forwarded
 * from followers, serializable and linearizable reads, transactions and bad input.
 */
class LeaderClusterTest {
    @TempDir
    static Path data;

    static final List<NodeProcess> nodes = new ArrayList<>();
    static final List<ManagedChannel> channels = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        for (ServerConfig c :
                DevCluster.configs(data, 3, FreePorts.basePort(3), ServerConfig.RaftSettings.defaults())) {
            NodeProcess n = new NodeProcess(c, data);
            nodes.add(n);
            n.start(Duration.ofSeconds(60));
            channels.add(NettyChannelBuilder.forAddress(
                            "127.0.0.1", c.self().clientAddress().port())
                    .usePlaintext()
                    .build());
        }
        // the catalog's first election: wait until every node knows the leader (a node that does not answers
        // UNAVAILABLE, as it should; clients retry elsewhere, these tests address each node on purpose)
        for (int node = 0; node < 3; node++) {
            int n = node;
            await().atMost(Duration.ofSeconds(30))
                    .ignoreExceptions()
                    .until(() -> tables(n)
                            .create(CreateTableRequest.newBuilder()
                                    .setName("warmup-" + n)
                                    .build())
                            .hasTable());
        }
    }

    @AfterAll
    static void stop() throws InterruptedException {
        channels.forEach(ManagedChannel::shutdownNow);
        for (NodeProcess n : nodes) {
            n.close();
        }
    }

    static KVGrpc.KVBlockingStub kv(int node) {
        return KVGrpc.newBlockingStub(channels.get(node)).withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    static TablesGrpc.TablesBlockingStub tables(int node) {
        return TablesGrpc.newBlockingStub(channels.get(node)).withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    static ByteString bytes(String s) {
        return ByteString.copyFromUtf8(s);
    }

    static PutResponse put(int node, String table, String key, String value) {
        return kv(node).put(PutRequest.newBuilder()
                .setTable(table)
                .setKey(bytes(key))
                .setValue(bytes(value))
                .build());
    }

    static RangeResponse get(int node, String table, String key, boolean linearizable) {
        return kv(node).range(RangeRequest.newBuilder()
                .setTable(table)
                .setKey(bytes(key))
                .setLinearizable(linearizable)
                .build());
    }

    @Test
    void writesThroughEveryNodeAreCommittedWithIncreasingRevisionsAndReadLinearizablyEverywhere() {
        var created = tables(0)
                .create(CreateTableRequest.newBuilder().setName("orders").build());
        assertThat(created.getTable().getId()).isGreaterThan(1);
        assertThat(created.getTable().getStatus().getLeaderId()).isBetween(1L, 3L);

        long previous = 0;
        for (int node = 0; node < 3; node++) {
            PutResponse r = put(node, "orders", "k" + node, "v" + node);
            assertThat(r.getHeader().getRevision()).isGreaterThan(previous);
            assertThat(r.getHeader().getMemberId()).isEqualTo(node + 1);
            previous = r.getHeader().getRevision();
        }
        for (int node = 0; node < 3; node++) {
            for (int k = 0; k < 3; k++) {
                RangeResponse r = get(node, "orders", "k" + k, true);
                assertThat(r.getKvsList()).hasSize(1);
                assertThat(r.getKvs(0).getValue().toStringUtf8()).isEqualTo("v" + k);
                assertThat(r.getHeader().getRevision()).isGreaterThanOrEqualTo(previous);
            }
        }
        PutResponse overwrite = kv(2).put(PutRequest.newBuilder()
                .setTable("orders")
                .setKey(bytes("k0"))
                .setValue(bytes("w"))
                .setPrevKv(true)
                .build());
        assertThat(overwrite.getPrevKv().getValue().toStringUtf8()).isEqualTo("v0");
        RangeResponse after = get(1, "orders", "k0", true);
        assertThat(after.getKvs(0).getVersion()).isEqualTo(2);
        assertThat(after.getKvs(0).getModRevision())
                .isEqualTo(overwrite.getHeader().getRevision());
    }

    @Test
    void iterateRangeStreamsALargeRangeInBoundedPagesOfOneRevision() {
        tables(0).create(CreateTableRequest.newBuilder().setName("blobs").build());
        String mebibyte = "x".repeat(1024 * 1024);
        long last = 0;
        for (int i = 0; i < 10; i++) {
            last = put(i % 3, "blobs", String.format("b%02d", i), mebibyte)
                    .getHeader()
                    .getRevision();
        }
        put(0, "blobs", "c", "outside the range");
        var pages = new java.util.ArrayList<RangeResponse>();
        KVGrpc.newBlockingStub(channels.get(2))
                .withDeadlineAfter(30, TimeUnit.SECONDS)
                .iterateRange(RangeRequest.newBuilder()
                        .setTable("blobs")
                        .setKey(bytes("b"))
                        .setRangeEnd(bytes("c"))
                        .setLinearizable(true)
                        .build())
                .forEachRemaining(pages::add);
        assertThat(pages)
                .hasSizeGreaterThan(2) // 10 MiB cannot fit the 4 MiB page limit
                .allSatisfy(p ->
                        assertThat(p.getSerializedSize()).isLessThanOrEqualTo(Limits.MAX_RANGE_RESPONSE_BYTES + 1024));
        assertThat(pages)
                .extracting(p -> p.getHeader().getRevision())
                .containsOnly(pages.get(0).getHeader().getRevision());
        assertThat(pages.get(0).getHeader().getRevision()).isGreaterThan(last);
        assertThat(pages)
                .extracting(RangeResponse::getMore)
                .endsWith(false)
                .filteredOn(m -> m)
                .hasSize(pages.size() - 1);
        assertThat(pages.stream()
                        .flatMap(p -> p.getKvsList().stream())
                        .map(kv -> kv.getKey().toStringUtf8()))
                .containsExactly("b00", "b01", "b02", "b03", "b04", "b05", "b06", "b07", "b08", "b09");
    }

    @Test
    void aTransactionAppliesOneBranchAtomically() {
        tables(1).create(CreateTableRequest.newBuilder().setName("accounts").build());
        put(0, "accounts", "alice", "10");
        TxnRequest txn = TxnRequest.newBuilder()
                .setTable("accounts")
                .addCompare(Compare.newBuilder()
                        .setKey(bytes("alice"))
                        .setTarget(Compare.CompareTarget.VALUE)
                        .setResult(Compare.CompareResult.EQUAL)
                        .setValue(bytes("10")))
                .addSuccess(RequestOp.newBuilder()
                        .setRequestPut(PutRequest.newBuilder()
                                .setTable("accounts")
                                .setKey(bytes("alice"))
                                .setValue(bytes("5"))))
                .addSuccess(RequestOp.newBuilder()
                        .setRequestPut(PutRequest.newBuilder()
                                .setTable("accounts")
                                .setKey(bytes("bob"))
                                .setValue(bytes("5"))))
                .build();
        TxnResponse first = kv(2).txn(txn);
        TxnResponse second = kv(1).txn(txn);
        assertThat(first.getSucceeded()).isTrue();
        assertThat(second.getSucceeded()).isFalse();
        RangeResponse all = kv(0).range(RangeRequest.newBuilder()
                .setTable("accounts")
                .setKey(bytes("a"))
                .setRangeEnd(bytes("c"))
                .setLinearizable(true)
                .build());
        assertThat(all.getKvsList())
                .extracting(kv -> kv.getValue().toStringUtf8())
                .containsExactly("5", "5");
        assertThat(all.getKvsList())
                .allSatisfy(kv -> assertThat(kv.getModRevision())
                        .isEqualTo(first.getHeader().getRevision()));
    }

    @Test
    void tablesAreCreatedListedAndDeletedAtRuntimeWithoutTouchingOthers() {
        tables(2).create(CreateTableRequest.newBuilder().setName("temp").build());
        tables(0).create(CreateTableRequest.newBuilder().setName("keep").build());
        put(1, "keep", "a", "1");
        put(1, "temp", "a", "1");
        assertThat(tables(1).list(ListTablesRequest.getDefaultInstance()).getTablesList())
                .extracting(t -> t.getName())
                .contains("temp", "keep");
        assertThatThrownBy(() -> tables(0)
                        .create(CreateTableRequest.newBuilder().setName("temp").build()))
                .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.ALREADY_EXISTS));

        tables(1).delete(DeleteTableRequest.newBuilder().setName("temp").build());
        assertThatThrownBy(() -> put(0, "temp", "b", "2"))
                .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.NOT_FOUND));
        assertThat(get(2, "keep", "a", true).getKvs(0).getValue().toStringUtf8())
                .isEqualTo("1");
        assertThatThrownBy(() -> tables(2)
                        .delete(DeleteTableRequest.newBuilder().setName("temp").build()))
                .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.NOT_FOUND));
        // a re-created table is a new, empty table
        tables(0).create(CreateTableRequest.newBuilder().setName("temp").build());
        assertThat(get(0, "temp", "a", true).getKvsList()).isEmpty();
    }

    @Test
    void badInputGetsAClearStatusAndTheNodeKeepsServing() {
        tables(0).create(CreateTableRequest.newBuilder().setName("strict").build());
        assertCode(() -> put(1, "nope", "k", "v"), Status.Code.NOT_FOUND, "nope");
        assertCode(() -> put(1, "strict", "", "v"), Status.Code.INVALID_ARGUMENT, "key");
        assertCode(
                () -> put(1, "strict", "x".repeat(Limits.MAX_KEY_BYTES + 1), "v"), Status.Code.INVALID_ARGUMENT, "key");
        assertCode(
                () -> kv(2).put(PutRequest.newBuilder()
                        .setTable("strict")
                        .setKey(bytes("k"))
                        .setValue(ByteString.copyFrom(new byte[Limits.MAX_VALUE_BYTES + 1]))
                        .build()),
                Status.Code.INVALID_ARGUMENT,
                "value");
        assertCode(
                () -> kv(0).put(PutRequest.newBuilder()
                        .setTable("strict")
                        .setKey(bytes("k"))
                        .setValue(ByteString.copyFrom(new byte[Limits.MAX_REQUEST_BYTES + 1]))
                        .build()),
                Status.Code.RESOURCE_EXHAUSTED,
                "");
        TxnRequest.Builder tooMany = TxnRequest.newBuilder().setTable("strict");
        for (int i = 0; i <= Limits.MAX_TXN_OPS; i++) {
            tooMany.addSuccess(RequestOp.newBuilder()
                    .setRequestPut(PutRequest.newBuilder()
                            .setTable("strict")
                            .setKey(bytes("k" + i))
                            .setValue(bytes("v"))));
        }
        assertCode(() -> kv(1).txn(tooMany.build()), Status.Code.INVALID_ARGUMENT, "128");
        assertCode(
                () -> kv(1).range(RangeRequest.newBuilder()
                        .setTable("strict")
                        .setKey(bytes("b"))
                        .setRangeEnd(bytes("a"))
                        .build()),
                Status.Code.INVALID_ARGUMENT,
                "range_end");
        assertCode(
                () -> tables(0)
                        .create(CreateTableRequest.newBuilder()
                                .setName("bad name!")
                                .build()),
                Status.Code.INVALID_ARGUMENT,
                "name");
        // still serving
        assertThat(put(1, "strict", "k", "v").getHeader().getRevision()).isPositive();
    }

    @Test
    void statusReportsEveryTableGroupOnEveryNode() {
        tables(0).create(CreateTableRequest.newBuilder().setName("observed").build());
        for (int node = 0; node < 3; node++) {
            var status = ClusterGrpc.newBlockingStub(channels.get(node))
                    .withDeadlineAfter(5, TimeUnit.SECONDS)
                    .status(StatusRequest.getDefaultInstance());
            assertThat(status.getHeader().getMemberId()).isEqualTo(node + 1);
            assertThat(status.getTablesList())
                    .anySatisfy(t -> assertThat(t.getTable().getName()).isEqualTo("observed"));
        }
    }

    @Test
    void garbageBytesAreRefusedWithAStatusAndTheNodeKeepsServing() {
        tables(2).create(CreateTableRequest.newBuilder().setName("robust").build());
        io.grpc.MethodDescriptor<byte[], byte[]> rawPut = io.grpc.MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(KVGrpc.getPutMethod().getFullMethodName())
                .setRequestMarshaller(new RawBytes())
                .setResponseMarshaller(new RawBytes())
                .build();
        byte[] garbage = new byte[512];
        java.util.Arrays.fill(garbage, (byte) 0xFF); // wire type 7 does not exist: no protobuf parser accepts it
        assertThatThrownBy(() -> io.grpc.stub.ClientCalls.blockingUnaryCall(
                        channels.get(1),
                        rawPut,
                        io.grpc.CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS),
                        garbage))
                .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT))
                .satisfies(e ->
                        assertThat(Status.fromThrowable(e).getDescription()).contains("armada.v1.KV/Put"))
                .satisfies(
                        e -> assertThat(String.valueOf(Status.fromThrowable(e).getDescription()))
                                .doesNotContain("\tat "));
        assertThat(put(1, "robust", "k", "v").getHeader().getRevision()).isPositive();
        assertThat(nodes).allMatch(NodeProcess::isAlive);
    }

    /** Issue 14, finding 1: this 20-byte Txn (a compare result of 9) used to halt every node, again at every restart. */
    @Test
    void theProbesPoisonTxnIsRefusedAndEveryNodeKeepsServing() {
        tables(0).create(CreateTableRequest.newBuilder().setName("poison").build());
        io.grpc.MethodDescriptor<byte[], byte[]> rawTxn = io.grpc.MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(KVGrpc.getTxnMethod().getFullMethodName())
                .setRequestMarshaller(new RawBytes())
                .setResponseMarshaller(new RawBytes())
                .build();
        byte[] poison = java.util.HexFormat.of().parseHex("0a06706f69736f6e120a080910001a026b312001");
        for (int node = 0; node < 3; node++) {
            int n = node;
            assertThatThrownBy(() -> io.grpc.stub.ClientCalls.blockingUnaryCall(
                            channels.get(n),
                            rawTxn,
                            io.grpc.CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS),
                            poison))
                    .satisfies(
                            e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT))
                    .satisfies(e ->
                            assertThat(Status.fromThrowable(e).getDescription()).contains("txn.compare[0].result: 9"));
        }
        for (int node = 0; node < 3; node++) {
            assertThat(put(node, "poison", "k1", "v").getHeader().getRevision()).isPositive();
        }
        assertThat(nodes).allMatch(NodeProcess::isAlive);
    }

    /**
     * Issue 14, finding 6: a DeleteRange whose prev_kvs exceed a write's response limit, sent to a
     * non-leader, used to delete the keys and then lose the reply in the forwarding channel with the
     * status of a request that was never applied. It now changes nothing and says so.
     */
    @Test
    void aDeleteWhosePreviousRecordsExceedTheResponseLimitChangesNothingThroughAnyNode() {
        tables(0).create(CreateTableRequest.newBuilder().setName("bulky").build());
        ByteString big = ByteString.copyFrom(new byte[Limits.MAX_VALUE_BYTES - 64]);
        for (int i = 0; i < 3; i++) {
            kv(0).put(PutRequest.newBuilder()
                    .setTable("bulky")
                    .setKey(bytes("big" + i))
                    .setValue(big)
                    .build());
        }
        for (int node = 0; node < 3; node++) {
            int n = node;
            assertCode(
                    () -> kv(n).deleteRange(DeleteRangeRequest.newBuilder()
                            .setTable("bulky")
                            .setKey(bytes("big"))
                            .setRangeEnd(bytes("bih"))
                            .setPrevKv(true)
                            .build()),
                    Status.Code.RESOURCE_EXHAUSTED,
                    String.valueOf(Limits.MAX_WRITE_RESPONSE_BYTES));
        }
        assertThat(kv(1).range(RangeRequest.newBuilder()
                                .setTable("bulky")
                                .setKey(bytes("big"))
                                .setRangeEnd(bytes("bih"))
                                .setCountOnly(true)
                                .setLinearizable(true)
                                .build())
                        .getCount())
                .isEqualTo(3);
    }

    /** Sends and receives bytes as they are, to put arbitrary bytes on the wire. */
    private static final class RawBytes implements io.grpc.MethodDescriptor.Marshaller<byte[]> {
        @Override
        public java.io.InputStream stream(byte[] value) {
            return new java.io.ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(java.io.InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    private static void assertCode(Runnable call, Status.Code code, String messagePart) {
        assertThatThrownBy(call::run).isInstanceOf(StatusRuntimeException.class).satisfies(e -> {
            Status s = Status.fromThrowable(e);
            assertThat(s.getCode()).isEqualTo(code);
            assertThat(s.getDescription()).isNotNull().contains(messagePart).doesNotContain("Exception");
        });
    }
}
