package io.armada.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import io.armada.api.v1.KVGrpc;
import io.armada.api.v1.PutRequest;
import io.armada.api.v1.PutResponse;
import io.armada.api.v1.RangeRequest;
import io.armada.api.v1.RangeResponse;
import io.armada.proto.Limits;
import io.grpc.CallOptions;
import io.grpc.Codec;
import io.grpc.Compressor;
import io.grpc.CompressorRegistry;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads and bodies a hostile client may send, against a real one-node cluster (issue 14 #8, #9):
 * IterateRange waits for {@code min_revision} as Range does, both wait at most
 * {@link Limits#MAX_MIN_REVISION_WAIT_MILLIS} whatever the client's deadline, and compressed bodies
 * that are too large once decompressed, or not gzip, get statuses that say so.
 */
class HostileReadsTest {
    @TempDir
    Path dir;

    private OneTableCluster node;
    private ManagedChannel channel;

    @BeforeEach
    void start() {
        node = OneTableCluster.start(dir);
        channel = node.channel;
    }

    @AfterEach
    void stop() {
        node.close();
    }

    private long put(String key) {
        return node.put(key);
    }

    @Test
    void iterateRangeWaitsForMinRevisionAsRangeDoes() throws Exception {
        long revision = put("a");
        RangeRequest next = RangeRequest.newBuilder()
                .setTable("t")
                .setKey(ByteString.copyFromUtf8("a"))
                .setRangeEnd(ByteString.copyFromUtf8("z"))
                .setMinRevision(revision + 1)
                .build();
        CompletableFuture<RangeResponse> iterated = CompletableFuture.supplyAsync(() -> {
            Iterator<RangeResponse> pages = KVGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(20, TimeUnit.SECONDS)
                    .iterateRange(next);
            RangeResponse first = pages.next();
            pages.forEachRemaining(p -> {});
            return first;
        });
        // the revision is not there: the stream waits instead of answering at once
        org.awaitility.Awaitility.await()
                .during(java.time.Duration.ofMillis(500))
                .atMost(java.time.Duration.ofSeconds(5))
                .until(() -> !iterated.isDone());
        put("b");
        RangeResponse first = iterated.get(20, TimeUnit.SECONDS);
        assertThat(first.getHeader().getRevision()).isGreaterThanOrEqualTo(revision + 1);
        assertThat(first.getKvsList())
                .extracting(kv -> kv.getKey().toStringUtf8())
                .containsExactly("a", "b");
    }

    @Test
    void minRevisionWaitsAreCappedOnTheServerWhateverTheClientsDeadline() {
        RangeRequest never = RangeRequest.newBuilder()
                .setTable("t")
                .setKey(ByteString.copyFromUtf8("a"))
                .setMinRevision(1L << 62)
                .build();
        long start = System.nanoTime();
        CompletableFuture<StatusRuntimeException> ranged = CompletableFuture.supplyAsync(() -> catchThrowableOfType(
                StatusRuntimeException.class,
                () -> KVGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(120, TimeUnit.SECONDS)
                        .range(never)));
        StatusRuntimeException iterated = catchThrowableOfType(
                StatusRuntimeException.class,
                () -> KVGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(120, TimeUnit.SECONDS)
                        .iterateRange(never)
                        .hasNext());
        StatusRuntimeException range = ranged.join();
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        for (StatusRuntimeException e : new StatusRuntimeException[] {range, iterated}) {
            assertThat(e).isNotNull();
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(e.getStatus().getDescription()).contains("MAX_MIN_REVISION_WAIT_MILLIS", "min_revision");
        }
        assertThat(tookMillis)
                .isBetween(Limits.MAX_MIN_REVISION_WAIT_MILLIS - 1_000, Limits.MAX_MIN_REVISION_WAIT_MILLIS + 10_000);
    }

    @Test
    void aGzipBombIsResourceExhaustedAndGarbageGzipIsInvalidArgument() {
        // 8 MiB of zeros compress to a few KiB: small on the wire, over the limit once decompressed
        PutRequest bomb = PutRequest.newBuilder()
                .setTable("t")
                .setKey(ByteString.copyFromUtf8("bomb"))
                .setValue(ByteString.copyFrom(new byte[2 * Limits.MAX_REQUEST_BYTES]))
                .build();
        ManagedChannel gzip = NettyChannelBuilder.forTarget(channel.authority())
                .usePlaintext()
                .build();
        ManagedChannel garbage = NettyChannelBuilder.forTarget(channel.authority())
                .usePlaintext()
                .compressorRegistry(registryWith(new GarbageGzip()))
                .build();
        try {
            StatusRuntimeException bombed = catchThrowableOfType(
                    StatusRuntimeException.class,
                    () -> KVGrpc.newBlockingStub(gzip)
                            .withCompression("gzip")
                            .withDeadlineAfter(20, TimeUnit.SECONDS)
                            .put(bomb));
            assertThat(bombed.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(bombed.getStatus().getDescription()).contains("decompressed", "MAX_REQUEST_BYTES");

            StatusRuntimeException notGzip = catchThrowableOfType(
                    StatusRuntimeException.class,
                    () -> ClientCalls.blockingUnaryCall(
                            garbage,
                            KVGrpc.getPutMethod(),
                            CallOptions.DEFAULT.withCompression("gzip").withDeadlineAfter(20, TimeUnit.SECONDS),
                            PutRequest.newBuilder()
                                    .setTable("t")
                                    .setKey(ByteString.copyFromUtf8("k"))
                                    .build()));
            assertThat(notGzip.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(notGzip.getStatus().getDescription()).contains("not valid gzip");

            // a well-formed gzip request is served
            assertThat(KVGrpc.newBlockingStub(gzip)
                            .withCompression("gzip")
                            .withDeadlineAfter(20, TimeUnit.SECONDS)
                            .put(PutRequest.newBuilder()
                                    .setTable("t")
                                    .setKey(ByteString.copyFromUtf8("zipped"))
                                    .setValue(ByteString.copyFromUtf8("v"))
                                    .build())
                            .getHeader()
                            .getRevision())
                    .isPositive();
        } finally {
            gzip.shutdownNow();
            garbage.shutdownNow();
        }
    }

    @Test
    void aRapidResetFloodClosesTheConnection() throws Exception {
        // calls the node holds (min_revision far ahead), each cancelled once on the wire: one RST_STREAM apiece
        RangeRequest held = RangeRequest.newBuilder()
                .setTable("t")
                .setKey(ByteString.copyFromUtf8("a"))
                .setMinRevision(1L << 62)
                .build();
        ManagedChannel flood = NettyChannelBuilder.forTarget(channel.authority())
                .usePlaintext()
                .build();
        try {
            CompletableFuture<StatusRuntimeException> victim = CompletableFuture.supplyAsync(() -> catchThrowableOfType(
                    StatusRuntimeException.class,
                    () -> KVGrpc.newBlockingStub(flood)
                            .withDeadlineAfter(8, TimeUnit.SECONDS)
                            .range(held)));
            int rounds = 3 * ApiServer.MAX_RST_FRAMES_PER_WINDOW / 50;
            for (int round = 0; round < rounds && !victim.isDone(); round++) {
                java.util.List<io.grpc.ClientCall<RangeRequest, RangeResponse>> calls = new java.util.ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    var call = flood.newCall(KVGrpc.getRangeMethod(), CallOptions.DEFAULT);
                    call.start(new io.grpc.ClientCall.Listener<>() {}, new io.grpc.Metadata());
                    call.sendMessage(held);
                    call.halfClose();
                    calls.add(call);
                }
                // the round's calls reach the node before they are reset: a Range on the main channel is a round trip
                KVGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(10, TimeUnit.SECONDS)
                        .range(RangeRequest.newBuilder()
                                .setTable("t")
                                .setKey(ByteString.copyFromUtf8("a"))
                                .build());
                calls.forEach(c -> c.cancel("rapid reset", null));
            }
            // the node closes the flooding connection (GOAWAY ENHANCE_YOUR_CALM), failing its call in flight at once
            StatusRuntimeException closed = victim.get(20, TimeUnit.SECONDS);
            System.out.println("flooding connection's call in flight: " + closed.getStatus());
            // gRPC reports GOAWAY ENHANCE_YOUR_CALM as RESOURCE_EXHAUSTED, or UNAVAILABLE when the client's next
            // write hits the closed socket before it reads the GOAWAY; without the limit it waits out its deadline
            assertThat(closed.getStatus().getCode())
                    .as("%s", closed.getStatus())
                    .isIn(Status.Code.RESOURCE_EXHAUSTED, Status.Code.UNAVAILABLE);
            if (closed.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED) {
                assertThat(closed.getStatus().getDescription()).contains("ENHANCE_YOUR_CALM");
            } else {
                assertThat(closed.getStatus().getCause())
                        .as("the connection was closed under the call")
                        .hasMessageMatching("(?s).*(Broken pipe|Connection reset).*");
            }
        } finally {
            flood.shutdownNow();
        }
        // other clients are served
        assertThat(put("after-flood")).isPositive();
    }

    private static CompressorRegistry registryWith(Compressor compressor) {
        CompressorRegistry r = CompressorRegistry.newEmptyInstance();
        r.register(compressor);
        r.register(Codec.Identity.NONE);
        return r;
    }

    /** Claims gzip and sends bytes that are not. */
    private static final class GarbageGzip implements Compressor {
        @Override
        public String getMessageEncoding() {
            return "gzip";
        }

        @Override
        public OutputStream compress(OutputStream os) {
            return new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    os.write(b ^ 0x5a);
                }

                @Override
                public void close() throws IOException {
                    os.close();
                }
            };
        }
    }

    /**
     * A call opened and never sent its request (issue 14 #9: 200 streams declaring 4 MiB bodies and never
     * finishing them held 1.77 GiB): the node resets it after {@link Limits#REQUEST_RECEIVE_TIMEOUT_MILLIS}
     * instead of holding it, with its buffered bytes, for as long as the connection lives.
     */
    @Test
    void aCallWhoseRequestNeverArrivesIsResetAfterTheReceiveTimeout() throws Exception {
        long opened = System.nanoTime();
        CompletableFuture<Status> closed = new CompletableFuture<>();
        // declared bidi-streaming on this side only: grpc-java holds a unary call's headers back until its
        // message, and a call that sends none would never reach the node (the node serves it as unary Put)
        io.grpc.ClientCall<PutRequest, PutResponse> call = channel.newCall(
                KVGrpc.getPutMethod().toBuilder()
                        .setType(io.grpc.MethodDescriptor.MethodType.BIDI_STREAMING)
                        .build(),
                io.grpc.CallOptions.DEFAULT);
        call.start(
                new io.grpc.ClientCall.Listener<>() {
                    @Override
                    public void onClose(Status status, io.grpc.Metadata trailers) {
                        closed.complete(status);
                    }
                },
                new io.grpc.Metadata());
        call.request(1);
        // headers sent, no message, no half-close: a body that never finishes
        Status status = closed.get(Limits.REQUEST_RECEIVE_TIMEOUT_MILLIS + 15_000, TimeUnit.MILLISECONDS);
        long afterMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - opened);
        System.out.println("a call without its request was closed after " + afterMillis + " ms: " + status);
        assertThat(status.getCode()).as("%s", status).isIn(Status.Code.CANCELLED, Status.Code.DEADLINE_EXCEEDED);
        assertThat(afterMillis).isGreaterThanOrEqualTo(Limits.REQUEST_RECEIVE_TIMEOUT_MILLIS);
        // the connection and the node serve on
        assertThat(put("after-the-reset")).isPositive();
    }

    /**
     * Sockets opened on the client port that never speak (issue 14's resource test: N slow connections to
     * each port) are closed after {@link ApiServer#HANDSHAKE_TIMEOUT_SECONDS}, each of them, while other
     * clients are served; before, gRPC's default kept them for 120 s.
     */
    @Test
    void socketsThatNeverCompleteTheHandshakeAreClosedWhileOthersAreServed() throws Exception {
        int port = Integer.parseInt(
                channel.authority().substring(channel.authority().lastIndexOf(':') + 1));
        java.util.List<java.net.Socket> silent = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 50; i++) {
                java.net.Socket s = new java.net.Socket("127.0.0.1", port);
                s.setSoTimeout((int) TimeUnit.SECONDS.toMillis(ApiServer.HANDSHAKE_TIMEOUT_SECONDS + 15));
                silent.add(s);
            }
            // half of them send the first bytes of the HTTP/2 preface and stop: a slow client
            for (int i = 0; i < silent.size(); i += 2) {
                silent.get(i)
                        .getOutputStream()
                        .write("PRI * HTTP".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            }
            assertThat(put("while-silent-sockets-are-open")).isPositive();
            long opened = System.nanoTime();
            for (java.net.Socket s : silent) {
                try {
                    java.io.InputStream in = s.getInputStream();
                    while (in.read() >= 0) {
                        // whatever the server sends before it closes (nothing for a plaintext preface)
                    }
                } catch (java.net.SocketException reset) {
                    // closed by the server with a reset: closed all the same
                }
            }
            long closedAfter = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - opened);
            System.out.println("50 silent sockets all closed by the node within " + closedAfter + " ms");
            assertThat(closedAfter).isLessThan(TimeUnit.SECONDS.toMillis(ApiServer.HANDSHAKE_TIMEOUT_SECONDS + 10));
        } finally {
            for (java.net.Socket s : silent) {
                s.close();
            }
        }
        assertThat(put("after-silent-sockets")).isPositive();
    }
}
