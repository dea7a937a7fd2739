package io.armada.server.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.armada.api.v1.CreateTableRequest;
import io.armada.api.v1.KVGrpc;
import io.armada.api.v1.PutRequest;
import io.armada.api.v1.RangeRequest;
import io.armada.api.v1.RequestOp;
import io.armada.api.v1.TablesGrpc;
import io.armada.api.v1.TxnRequest;
import io.armada.internal.v1.LogServiceGrpc;
import io.armada.internal.v1.PullRequest;
import io.armada.internal.v1.TableSnapshotRequest;
import io.armada.proto.Limits;
import io.armada.server.config.ServerConfig;
import io.armada.server.dev.DevCluster;
import io.armada.server.dev.FreePorts;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The resource test of the streaming methods (issue 14, findings 2 and 4): streams of IterateRange
 * and LogService.Snapshot that the client never reads, against a real node process. The node must
 * keep answering other clients promptly (a Put, a Range, a Pull), its heap (after a full GC) and
 * direct memory must stay within a bound far below what the streams would pin if each buffered a
 * page of megabytes, and cancelling the streams must free their slots. Bounded: one node, at most
 * {@link #ITERATE_STREAMS} streams, every wait capped; the values are seeded random bytes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NeverReadStreamsTest {
    private static final long SEED = Long.getLong("armada.test.seed", 14L);
    /** 12 MiB of data: more than any stream can have in flight (gRPC's 1 MiB window per connection). */
    private static final int KEYS = 768;

    private static final int VALUE_BYTES = 16 * 1024;
    private static final int PUTS_PER_TXN = 96;
    /** More Snapshot streams than the node has service threads (8 on 2 cores), which the old code wedged. */
    private static final int SNAPSHOT_STREAMS = 16;
    /** Four connections at the per-connection cap. */
    private static final int CONNECTIONS = 4;

    private static final int ITERATE_STREAMS = CONNECTIONS * Limits.MAX_STREAMS_PER_CONNECTION;
    /** What the IterateRange streams may add to the node's heap and to its direct memory, each (≈ 0.5 MiB a stream). */
    private static final long MEMORY_BOUND_BYTES = 32L << 20;
    /** Longest another client's call may take while the streams are open (a loaded 2-core machine). */
    private static final Duration PROMPT = Duration.ofSeconds(3);

    @TempDir
    static Path dir;

    private NodeProcess node;
    private ManagedChannel client;
    private long tableId;
    private final List<ManagedChannel> streamChannels = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void startNodeWithData() throws Exception {
        System.out.println("NeverReadStreamsTest seed " + SEED + " (-Darmada.test.seed=" + SEED + " repeats it)");
        var settings = new ServerConfig.RaftSettings(20, 10, 1, 2, 1_000_000);
        ServerConfig config =
                DevCluster.configs(dir, 1, FreePorts.basePort(1), settings).getFirst();
        node = new NodeProcess(config, dir);
        node.start(Duration.ofSeconds(60));
        client = channel();
        tableId = await().atMost(Duration.ofSeconds(30))
                .ignoreExceptionsInstanceOf(StatusRuntimeException.class)
                .until(
                        () -> TablesGrpc.newBlockingStub(client)
                                .withDeadlineAfter(5, TimeUnit.SECONDS)
                                .create(CreateTableRequest.newBuilder()
                                        .setName("data")
                                        .build())
                                .getTable()
                                .getId(),
                        id -> id > 0);
        Random random = new Random(SEED);
        for (int first = 0; first < KEYS; first += PUTS_PER_TXN) {
            TxnRequest.Builder txn = TxnRequest.newBuilder().setTable("data");
            for (int k = first; k < Math.min(KEYS, first + PUTS_PER_TXN); k++) {
                byte[] value = new byte[VALUE_BYTES];
                random.nextBytes(value);
                txn.addSuccess(RequestOp.newBuilder()
                        .setRequestPut(PutRequest.newBuilder()
                                .setKey(ByteString.copyFromUtf8(String.format("key-%05d", k)))
                                .setValue(ByteString.copyFrom(value))));
            }
            KVGrpc.newBlockingStub(client)
                    .withDeadlineAfter(30, TimeUnit.SECONDS)
                    .txn(txn.build());
        }
    }

    @AfterAll
    void stopNode() throws InterruptedException {
        if (client != null) {
            client.shutdownNow();
        }
        if (node != null) {
            node.close();
        }
    }

    @AfterEach
    void closeStreamChannels() {
        streamChannels.forEach(ManagedChannel::shutdownNow);
        streamChannels.clear();
    }

    private ManagedChannel channel() {
        var a = node.config().self().clientAddress();
        return NettyChannelBuilder.forAddress(a.host(), a.port())
                .usePlaintext()
                .maxInboundMessageSize(8 << 20)
                .build();
    }

    @Test
    void neverReadSnapshotStreamsLeaveTheNodeServingAndAreReleasedOnCancel() throws Exception {
        Memory before = memory();
        ManagedChannel streams = channel();
        streamChannels.add(streams);
        AtomicInteger started = new AtomicInteger();
        List<Status> refused = new ArrayList<>();
        List<ClientCall<TableSnapshotRequest, ?>> calls = new ArrayList<>();
        for (int i = 0; i < SNAPSHOT_STREAMS; i++) {
            calls.add(neverRead(
                    streams,
                    LogServiceGrpc.getSnapshotMethod(),
                    TableSnapshotRequest.newBuilder().setTableId(tableId).build(),
                    started,
                    refused));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> started.get() >= Limits.MAX_SNAPSHOT_STREAMS_PER_NODE);

        Duration slowest = othersAreServedPromptly();
        Memory during = memory();
        System.out.printf(
                "%d never-read Snapshot streams (%d admitted): other calls' slowest %d ms; heap %+.1f MiB,"
                        + " direct %+.1f MiB, RSS %+.1f MiB%n",
                SNAPSHOT_STREAMS,
                started.get(),
                slowest.toMillis(),
                mib(during.heap - before.heap),
                mib(during.direct() - before.direct()),
                mib(during.rss - before.rss));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> statuses(refused).size() == SNAPSHOT_STREAMS - Limits.MAX_SNAPSHOT_STREAMS_PER_NODE);
        assertThat(statuses(refused)).allSatisfy(s -> {
            assertThat(s.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(s.getDescription()).contains("MAX_SNAPSHOT_STREAMS_PER_NODE");
        });
        // each admitted stream pins about 3 MiB of heap (the chunk being built) and a chunk in flight
        long bound = Limits.MAX_SNAPSHOT_STREAMS_PER_NODE * (4L << 20);
        assertThat(during.heap - before.heap).as("heap held by the streams").isLessThan(bound);
        assertThat(during.direct() - before.direct())
                .as("direct memory held by the streams")
                .isLessThan(bound);

        calls.forEach(c -> c.cancel("the test is done", null));
        await().atMost(Duration.ofSeconds(10)).until(() -> openStreams() == 0);
        othersAreServedPromptly();
    }

    private static List<Status> statuses(List<Status> closed) {
        synchronized (closed) {
            return List.copyOf(closed);
        }
    }

    @Test
    void neverReadIterateRangeStreamsAreCappedBoundedAndReleasedOnCancel() throws Exception {
        Memory before = memory();
        AtomicInteger started = new AtomicInteger();
        List<ClientCall<RangeRequest, ?>> calls = new ArrayList<>();
        RangeRequest all = RangeRequest.newBuilder()
                .setTable("data")
                .setKey(ByteString.copyFromUtf8("key-"))
                .setRangeEnd(ByteString.copyFromUtf8("key."))
                .build();
        for (int c = 0; c < CONNECTIONS; c++) {
            ManagedChannel streams = channel();
            streamChannels.add(streams);
            for (int i = 0; i < Limits.MAX_STREAMS_PER_CONNECTION; i++) {
                calls.add(neverRead(streams, KVGrpc.getIterateRangeMethod(), all, started, new ArrayList<>()));
            }
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> started.get() == ITERATE_STREAMS);

        StatusRuntimeException overCap = catchThrowableOfType(
                StatusRuntimeException.class,
                () -> KVGrpc.newBlockingStub(streamChannels.getFirst())
                        .withDeadlineAfter(5, TimeUnit.SECONDS)
                        .iterateRange(all)
                        .hasNext());
        assertThat(overCap).as("one stream over the per-connection cap").isNotNull();
        assertThat(overCap.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(overCap.getStatus().getDescription()).contains("MAX_STREAMS_PER_CONNECTION");

        Duration slowest = othersAreServedPromptly();
        Memory during = memory();
        System.out.printf(
                "%d never-read IterateRange streams: other calls' slowest %d ms; heap %+.1f MiB, direct %+.1f MiB,"
                        + " RSS %+.1f MiB%n",
                ITERATE_STREAMS,
                slowest.toMillis(),
                mib(during.heap - before.heap),
                mib(during.direct() - before.direct()),
                mib(during.rss - before.rss));
        assertThat(during.heap - before.heap).as("heap held by the streams").isLessThan(MEMORY_BOUND_BYTES);
        assertThat(during.direct() - before.direct())
                .as("direct memory held by the streams")
                .isLessThan(MEMORY_BOUND_BYTES);

        calls.forEach(c -> c.cancel("the test is done", null));
        await().atMost(Duration.ofSeconds(10)).until(() -> openStreams() == 0);
    }

    /**
     * Starts a call whose responses are never requested (the client reads nothing); counts its
     * response headers in {@code started} and adds the status of a call closed before it was cancelled to {@code closed}.
     */
    private static <Q, R> ClientCall<Q, R> neverRead(
            ManagedChannel channel,
            MethodDescriptor<Q, R> method,
            Q request,
            AtomicInteger started,
            List<Status> closed) {
        ClientCall<Q, R> call = channel.newCall(method, CallOptions.DEFAULT);
        call.start(
                new ClientCall.Listener<>() {
                    @Override
                    public void onHeaders(Metadata headers) {
                        started.incrementAndGet();
                    }

                    @Override
                    public void onClose(Status status, Metadata trailers) {
                        if (status.getCode() != Status.Code.CANCELLED) {
                            synchronized (closed) {
                                closed.add(status);
                            }
                        }
                    }
                },
                new Metadata());
        call.sendMessage(request);
        call.halfClose();
        return call;
    }

    /** A Put, a Range and a Pull on another connection, each answered within {@link #PROMPT}; the slowest's time. */
    private Duration othersAreServedPromptly() {
        ManagedChannel other = channel();
        try {
            Duration slowest = Duration.ZERO;
            long start = System.nanoTime();
            KVGrpc.newBlockingStub(other)
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .put(PutRequest.newBuilder()
                            .setTable("data")
                            .setKey(ByteString.copyFromUtf8("other"))
                            .setValue(ByteString.copyFromUtf8("v"))
                            .build());
            slowest = max(slowest, start);
            start = System.nanoTime();
            KVGrpc.newBlockingStub(other)
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .range(RangeRequest.newBuilder()
                            .setTable("data")
                            .setKey(ByteString.copyFromUtf8("other"))
                            .build());
            slowest = max(slowest, start);
            start = System.nanoTime();
            LogServiceGrpc.newBlockingStub(other)
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .pull(PullRequest.newBuilder()
                            .setTableId(tableId)
                            .setStartIndex(1)
                            .setMaxBytes(64 * 1024)
                            .build());
            slowest = max(slowest, start);
            assertThat(slowest)
                    .as("slowest of Put, Range and Pull from another client")
                    .isLessThan(PROMPT);
            return slowest;
        } finally {
            other.shutdownNow();
        }
    }

    private static Duration max(Duration slowest, long startNanos) {
        Duration took = Duration.ofNanos(System.nanoTime() - startNanos);
        return took.compareTo(slowest) > 0 ? took : slowest;
    }

    /**
     * The node's memory: live heap (after a full GC, from {@code jcmd GC.class_histogram}), direct
     * memory (the JDK's direct buffers plus Netty's own counter when it keeps one) and, for the
     * report only, the resident set.
     */
    private record Memory(long heap, long jdkDirect, long nettyDirect, long rss) {
        long direct() {
            return jdkDirect + Math.max(0, nettyDirect);
        }
    }

    private Memory memory() throws Exception {
        // the class histogram is taken after a full GC: its total is the live heap, free of allocation noise
        String histogram = jcmd("GC.class_histogram");
        Matcher total = Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)\\s*$").matcher(histogram);
        assertThat(total.find()).as("jcmd GC.class_histogram has a Total line").isTrue();
        String metrics = scrape();
        long rss = 0;
        for (String line : Files.readAllLines(Path.of("/proc/" + node.pid() + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                rss = Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        return new Memory(
                Long.parseLong(total.group(1)),
                sum(metrics, "jvm_buffer_memory_used_bytes\\{[^}]*id=\"direct\"[^}]*\\}"),
                sum(metrics, "armada_netty_direct_memory_bytes\\{[^}]*\\}"),
                rss);
    }

    /** Runs a diagnostic command in the node's JVM (jcmd sits next to this JVM's java) and returns its output. */
    private String jcmd(String command) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process p = new ProcessBuilder(
                        Path.of(java).resolveSibling("jcmd").toString(), Long.toString(node.pid()), command)
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS))
                .as("jcmd " + command + " finished")
                .isTrue();
        assertThat(p.exitValue()).as("jcmd " + command + ": " + out).isZero();
        return out;
    }

    private long openStreams() throws Exception {
        return sum(scrape(), "armada_grpc_streams_open\\{[^}]*\\}");
    }

    private String scrape() throws Exception {
        URI uri = URI.create("http://" + node.config().metricsAddress() + "/metrics");
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    /** Sum of every sample of the meter whose name and labels match {@code series}; fails when there is none. */
    private static long sum(String metrics, String series) {
        Matcher m = Pattern.compile("(?m)^" + series + " (\\S+)$").matcher(metrics);
        double total = 0;
        boolean found = false;
        while (m.find()) {
            total += Double.parseDouble(m.group(1));
            found = true;
        }
        assertThat(found).as("/metrics has " + series).isTrue();
        return (long) total;
    }

    private static double mib(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }
}
