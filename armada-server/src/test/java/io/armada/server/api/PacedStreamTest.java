package io.armada.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.armada.api.v1.KVGrpc;
import io.armada.api.v1.KeyValue;
import io.armada.api.v1.RangeRequest;
import io.armada.api.v1.RangeResponse;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link PacedStream} and {@link StreamAdmission} on a real gRPC server on 127.0.0.1, with a short
 * stall timeout: a reader gets every page, a reader that never reads is cut off and its source
 * closed, a cancelled stream closes its source, and the stream caps refuse one stream too many and
 * free the slot when a stream is over.
 */
class PacedStreamTest {
    private static final int PAGES = 200;
    private static final int PAGE_BYTES = 64 * 1024;
    private static final long STALL_MILLIS = 500;
    private static final int PER_CONNECTION = 3;
    private static final int PER_NODE = 5;

    private final AtomicInteger opened = new AtomicInteger();
    private final AtomicInteger closed = new AtomicInteger();
    private final AtomicInteger produced = new AtomicInteger();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final ExecutorService executor = Executors.newFixedThreadPool(2);
    private final StreamAdmission admission = new StreamAdmission(
            "test streams",
            new StreamAdmission.Cap(PER_CONNECTION, "PER_CONNECTION"),
            new StreamAdmission.Cap(PER_NODE, "PER_NODE"));
    private final List<ManagedChannel> channels = new ArrayList<>();
    private Server server;

    @BeforeEach
    void start() throws Exception {
        PacedStream.Settings settings = new PacedStream.Settings(timer, executor, STALL_MILLIS);
        KVGrpc.KVImplBase pages = new KVGrpc.KVImplBase() {
            @Override
            public void iterateRange(RangeRequest request, StreamObserver<RangeResponse> observer) {
                PacedStream<RangeResponse> stream = new PacedStream<>(
                        (ServerCallStreamObserver<RangeResponse>) observer,
                        settings,
                        "test stream",
                        e -> Status.INTERNAL.withDescription(e.toString()).asRuntimeException());
                stream.start(() -> {
                    opened.incrementAndGet();
                    return pages(PAGES);
                });
            }
        };
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addStreamTracerFactory(new StreamCutOff(
                        java.util.Set.of(KVGrpc.getIterateRangeMethod().getFullMethodName())))
                .addService(ServerInterceptors.intercept(pages, admission))
                .build()
                .start();
    }

    private PacedStream.Pages<RangeResponse> pages(int count) {
        ByteString value = ByteString.copyFrom(new byte[PAGE_BYTES]);
        return new PacedStream.Pages<>() {
            private int sent;

            @Override
            public boolean hasNext() {
                return sent < count;
            }

            @Override
            public RangeResponse next() {
                sent++;
                produced.incrementAndGet();
                return RangeResponse.newBuilder()
                        .addKvs(KeyValue.newBuilder().setValue(value))
                        .setMore(sent < count)
                        .build();
            }

            @Override
            public void close() {
                closed.incrementAndGet();
            }
        };
    }

    @AfterEach
    void stop() throws InterruptedException {
        channels.forEach(ManagedChannel::shutdownNow);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        timer.shutdownNow();
        executor.shutdownNow();
    }

    private ManagedChannel channel() {
        ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort())
                .usePlaintext()
                .maxInboundMessageSize(1 << 20)
                .build();
        channels.add(c);
        return c;
    }

    /** Starts an IterateRange whose messages are never requested: the client reads nothing. */
    private ClientCall<RangeRequest, RangeResponse> neverRead(ManagedChannel channel, List<Status> closedWith) {
        ClientCall<RangeRequest, RangeResponse> call =
                channel.newCall(KVGrpc.getIterateRangeMethod(), CallOptions.DEFAULT);
        call.start(
                new ClientCall.Listener<>() {
                    @Override
                    public void onClose(Status status, Metadata trailers) {
                        synchronized (closedWith) {
                            closedWith.add(status);
                        }
                    }
                },
                new Metadata());
        call.sendMessage(RangeRequest.getDefaultInstance());
        call.halfClose();
        return call;
    }

    @Test
    void aReaderGetsEveryPageAndTheSourceIsClosedOnce() {
        Iterator<RangeResponse> it = KVGrpc.newBlockingStub(channel())
                .withDeadlineAfter(20, TimeUnit.SECONDS)
                .iterateRange(RangeRequest.getDefaultInstance());
        int n = 0;
        while (it.hasNext()) {
            it.next();
            n++;
        }
        assertThat(n).isEqualTo(PAGES);
        await().atMost(Duration.ofSeconds(5)).until(() -> closed.get() == 1 && admission.open() == 0);
    }

    @Test
    void aReaderThatNeverReadsIsCutOffAndPinsOnlyAWindowOfPages() {
        List<Status> statuses = new ArrayList<>();
        ClientCall<RangeRequest, RangeResponse> call = neverRead(channel(), statuses);
        await().atMost(Duration.ofSeconds(10)).until(() -> closed.get() == 1);
        // produced only while the call was ready: about the client's 1 MiB window plus the 32 KiB send buffer
        assertThat(produced.get()).isLessThan(PAGES / 4);
        // the slot is held until gRPC reports the call over: the stream was reset on the wire
        await().atMost(Duration.ofSeconds(10)).until(() -> admission.open() == 0);
        // a client that reads now gets what was in flight, then the end of the stream (gRPC delivers it after the
        // messages)
        call.request(Integer.MAX_VALUE);
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            synchronized (statuses) {
                return statuses.size() == 1;
            }
        });
        assertThat(statuses.getFirst().getCode()).isIn(Status.Code.DEADLINE_EXCEEDED, Status.Code.CANCELLED);
    }

    @Test
    void aCancelledStreamClosesItsSourceAndFreesItsSlot() {
        List<Status> statuses = new ArrayList<>();
        ClientCall<RangeRequest, RangeResponse> call = neverRead(channel(), statuses);
        await().atMost(Duration.ofSeconds(5)).until(() -> opened.get() == 1 && admission.open() == 1);
        call.cancel("test", null);
        await().atMost(Duration.ofSeconds(5)).until(() -> closed.get() == 1 && admission.open() == 0);
    }

    @Test
    void streamsOverTheConnectionOrNodeCapAreRefusedNamingTheLimit() {
        ManagedChannel first = channel();
        List<Status> statuses = new ArrayList<>();
        List<ClientCall<RangeRequest, RangeResponse>> calls = new ArrayList<>();
        for (int i = 0; i < PER_CONNECTION; i++) {
            calls.add(neverRead(first, statuses));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> admission.open() == PER_CONNECTION);
        StatusRuntimeException perConnection = catchThrowableOfType(
                StatusRuntimeException.class,
                () -> KVGrpc.newBlockingStub(first)
                        .withDeadlineAfter(5, TimeUnit.SECONDS)
                        .iterateRange(RangeRequest.getDefaultInstance())
                        .hasNext());
        assertThat(perConnection.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(perConnection.getStatus().getDescription()).contains("connection", "limit " + PER_CONNECTION);

        ManagedChannel second = channel();
        for (int i = 0; i < PER_NODE - PER_CONNECTION; i++) {
            calls.add(neverRead(second, statuses));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> admission.open() == PER_NODE);
        StatusRuntimeException perNode = catchThrowableOfType(
                StatusRuntimeException.class,
                () -> KVGrpc.newBlockingStub(channel())
                        .withDeadlineAfter(5, TimeUnit.SECONDS)
                        .iterateRange(RangeRequest.getDefaultInstance())
                        .hasNext());
        assertThat(perNode.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(perNode.getStatus().getDescription()).contains("node", "limit " + PER_NODE);

        calls.forEach(c -> c.cancel("test", null));
        await().atMost(Duration.ofSeconds(5)).until(() -> admission.open() == 0 && closed.get() == PER_NODE);
        assertThat(KVGrpc.newBlockingStub(first)
                        .withDeadlineAfter(20, TimeUnit.SECONDS)
                        .iterateRange(RangeRequest.getDefaultInstance())
                        .hasNext())
                .isTrue();
    }
}
