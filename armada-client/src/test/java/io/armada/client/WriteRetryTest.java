package io.armada.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.armada.api.v1.KVGrpc;
import io.armada.api.v1.PutRequest;
import io.armada.api.v1.PutResponse;
import io.armada.api.v1.RangeRequest;
import io.armada.api.v1.RangeResponse;
import io.armada.api.v1.ResponseHeader;
import io.armada.proto.Trailers;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * When the client may resend a write to another endpoint: only when it certainly did not apply.
 * The servers are real gRPC servers on 127.0.0.1 whose answers are scripted, because the failures
 * under test (a connection lost mid-call, a leadership change while the entry was in flight) cannot
 * be produced on demand by a real cluster.
 */
class WriteRetryTest {
    private final List<Server> servers = new ArrayList<>();
    private static final byte[] K = "k".getBytes(StandardCharsets.UTF_8);

    /** A node that answers every call with {@code failure} (OK when null), counting the calls. */
    private static final class ScriptedNode extends KVGrpc.KVImplBase {
        final AtomicInteger puts = new AtomicInteger();
        final AtomicInteger ranges = new AtomicInteger();
        private final Status failure;
        private final boolean notApplied;

        ScriptedNode(Status failure, boolean notApplied) {
            this.failure = failure;
            this.notApplied = notApplied;
        }

        @Override
        public void put(PutRequest request, StreamObserver<PutResponse> out) {
            puts.incrementAndGet();
            if (!fail(out)) {
                out.onNext(PutResponse.newBuilder()
                        .setHeader(ResponseHeader.newBuilder().setRevision(7))
                        .build());
                out.onCompleted();
            }
        }

        @Override
        public void range(RangeRequest request, StreamObserver<RangeResponse> out) {
            ranges.incrementAndGet();
            if (!fail(out)) {
                out.onNext(RangeResponse.newBuilder()
                        .setHeader(ResponseHeader.newBuilder().setRevision(7))
                        .build());
                out.onCompleted();
            }
        }

        private boolean fail(StreamObserver<?> out) {
            if (failure == null) {
                return false;
            }
            Metadata trailers = new Metadata();
            if (notApplied) {
                trailers.put(Trailers.NOT_APPLIED, "true");
            }
            out.onError(failure.asRuntimeException(trailers));
            return true;
        }
    }

    private String serve(ScriptedNode node) throws Exception {
        Server s = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(node)
                .build()
                .start();
        servers.add(s);
        return "127.0.0.1:" + s.getPort();
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (Server s : servers) {
            s.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aWriteThatMayHaveAppliedIsNotSentAgain() throws Exception {
        ScriptedNode lost = new ScriptedNode(
                Status.UNAVAILABLE.withDescription("the write may or may not have been applied"), false);
        ScriptedNode healthy = new ScriptedNode(null, false);
        try (ArmadaClient client = new ArmadaClient(List.of(serve(lost), serve(healthy)), Duration.ofSeconds(5))) {
            assertThatThrownBy(() -> client.put("t", K, K))
                    .isInstanceOf(ArmadaException.class)
                    .extracting(e -> ((ArmadaException) e).code())
                    .isEqualTo(ArmadaException.Code.UNAVAILABLE);
            assertThat(healthy.puts).hasValue(0);
            assertThat(client.range("t", K, null, 1, false).revision())
                    .as("a read is sent again")
                    .isEqualTo(7);
            assertThat(healthy.ranges).hasValue(1);
        }
    }

    @Test
    void aWriteTheNodeRefusedGoesToTheNextEndpoint() throws Exception {
        ScriptedNode refusing = new ScriptedNode(Status.UNAVAILABLE.withDescription("no leader right now"), true);
        ScriptedNode healthy = new ScriptedNode(null, false);
        try (ArmadaClient client = new ArmadaClient(List.of(serve(refusing), serve(healthy)), Duration.ofSeconds(5))) {
            assertThat(client.put("t", K, K)).isEqualTo(7);
            assertThat(refusing.puts).hasValue(1);
            assertThat(healthy.puts).hasValue(1);
        }
    }

    @Test
    void aWriteToAnEndpointNobodyListensOnGoesToTheNext() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort(); // free once closed: connecting is refused
        }
        ScriptedNode healthy = new ScriptedNode(null, false);
        try (ArmadaClient client =
                new ArmadaClient(List.of("127.0.0.1:" + closed, serve(healthy)), Duration.ofSeconds(5))) {
            assertThat(client.put("t", K, K)).isEqualTo(7);
            assertThat(healthy.puts).hasValue(1);
        }
    }
}
