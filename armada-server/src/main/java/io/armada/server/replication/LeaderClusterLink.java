package io.armada.server.replication;

import io.armada.internal.v1.LogServiceGrpc;
import io.armada.internal.v1.PullRequest;
import io.armada.internal.v1.PullResponse;
import io.armada.internal.v1.TableSnapshotPart;
import io.armada.internal.v1.TableSnapshotRequest;
import io.armada.proto.Limits;
import io.armada.server.config.HostPort;
import io.armada.server.config.ServerConfig;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * A follower cluster node's connection to the leader cluster: one channel per configured leader
 * endpoint (any leader-cluster node serves the log and the client API), used in turn. The link moves to
 * the next endpoint when a call finds the one in use unavailable or too slow, and when a probe
 * (a small pull, every {@link #PROBE_INTERVAL_MILLIS}) gets no answer within
 * {@link #PROBE_DEADLINE_MILLIS}: a frozen node (paused, swapping, partitioned without resets)
 * never answers UNAVAILABLE, so only a deadline reveals it. Moving cancels the long polls still
 * waiting on the old endpoint, so replication resumes on the new one at once.
 */
public final class LeaderClusterLink implements AutoCloseable {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(LeaderClusterLink.class);
    /** How often the endpoint in use is probed: a freeze is noticed within this plus the probe deadline. */
    static final long PROBE_INTERVAL_MILLIS = 250;
    /**
     * A live leader-cluster node answers a zero-wait pull of one catalog entry in milliseconds; 500 ms (an
     * election timeout at the default settings) tolerates a GC pause or a loaded node without
     * moving, and bounds how long a frozen one holds the follower cluster.
     */
    static final long PROBE_DEADLINE_MILLIS = 500;
    /** A pull's deadline beyond its long-poll wait: the answer's way back, never the wait of a frozen node. */
    static final long PULL_DEADLINE_MARGIN_MILLIS = 1_000;

    /** One leader-cluster endpoint as used by a call; the calls under {@link #calls} end when the link moves off it. */
    public record Endpoint(int index, ManagedChannel channel, io.grpc.Context.CancellableContext calls) {}

    private final List<HostPort> endpoints;
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final java.util.concurrent.ScheduledExecutorService prober;
    private volatile Endpoint current;

    public LeaderClusterLink(ServerConfig.LeaderCluster leader) {
        this.endpoints = leader.endpoints();
        var ssl = leader.caFile() == null && leader.certFile() == null ? null : ssl(leader);
        for (HostPort e : endpoints) {
            NettyChannelBuilder b = NettyChannelBuilder.forAddress(e.host(), e.port())
                    .maxInboundMessageSize(Limits.MAX_REQUEST_BYTES + (1 << 20));
            channels.add((ssl == null ? b.usePlaintext() : b.sslContext(ssl)).build());
        }
        this.current = new Endpoint(0, channels.getFirst(), io.grpc.Context.ROOT.withCancellation());
        this.prober = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "armada-leader-cluster-probe");
            t.setDaemon(true);
            return t;
        });
        prober.scheduleWithFixedDelay(this::probe, PROBE_INTERVAL_MILLIS, PROBE_INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Moves off the endpoint in use if it does not answer a zero-wait pull within the probe deadline. */
    private void probe() {
        Endpoint e = current;
        try {
            LogServiceGrpc.newBlockingStub(e.channel())
                    .withDeadlineAfter(PROBE_DEADLINE_MILLIS, TimeUnit.MILLISECONDS)
                    .pull(PullRequest.newBuilder()
                            .setTableId(io.armada.server.node.Catalog.GROUP_ID)
                            .setStartIndex(1)
                            .setMaxBytes(1)
                            .setWaitMillis(0)
                            .build());
        } catch (io.grpc.StatusRuntimeException failure) {
            if (failure.getStatus().getCode() == io.grpc.Status.Code.DEADLINE_EXCEEDED
                    || failure.getStatus().getCode() == io.grpc.Status.Code.UNAVAILABLE) {
                log.debug(
                        "leader-cluster endpoint {}: probe failed with {}",
                        endpoints.get(e.index()),
                        failure.getStatus().getCode());
                failedOver(e);
            }
        } catch (RuntimeException unexpected) {
            log.warn("probe of leader-cluster endpoint {} failed", endpoints.get(e.index()), unexpected);
        }
    }

    private static io.grpc.netty.shaded.io.netty.handler.ssl.SslContext ssl(ServerConfig.LeaderCluster leader) {
        try {
            SslContextBuilder b = GrpcSslContexts.forClient();
            if (leader.caFile() != null) {
                b.trustManager(leader.caFile().toFile());
            }
            if (leader.certFile() != null) {
                b.keyManager(leader.certFile().toFile(), leader.keyFile().toFile());
            }
            return b.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("leader-cluster: " + e.getMessage(), e);
        }
    }

    /** The leader-cluster endpoint in use. */
    public Endpoint endpoint() {
        return current;
    }

    /**
     * {@code failed} failed or did not answer in time: unless the link already moved, the next call
     * goes to the next endpoint, which dials at once (gRPC would otherwise keep a channel whose node
     * was down in exponential reconnect backoff, up to two minutes; callers pace their own retries),
     * and the long polls still waiting on {@code failed} are cancelled. Only the endpoint a caller
     * used can be left, so concurrent failures of one endpoint move the link once, not round the ring.
     */
    public void failedOver(Endpoint failed) {
        Endpoint next;
        synchronized (this) {
            if (current != failed) {
                return;
            }
            int index = (failed.index() + 1) % channels.size();
            next = new Endpoint(index, channels.get(index), io.grpc.Context.ROOT.withCancellation());
            current = next;
        }
        log.info(
                "leader-cluster endpoint {} failed or was too slow; now using {}",
                endpoints.get(failed.index()),
                endpoints.get(next.index()));
        next.channel().resetConnectBackoff();
        failed.calls().cancel(null);
    }

    public String endpoints() {
        return String.join(",", endpoints.stream().map(HostPort::toString).toList());
    }

    /** One batch of a table's committed entries from {@code startIndex}, long-polling up to {@code waitMillis}. */
    PullResponse pull(long tableId, long startIndex, int maxBytes, int waitMillis) {
        Endpoint e = current;
        try {
            return e.calls()
                    .call(() -> LogServiceGrpc.newBlockingStub(e.channel())
                            .withDeadlineAfter(waitMillis + PULL_DEADLINE_MARGIN_MILLIS, TimeUnit.MILLISECONDS)
                            .pull(PullRequest.newBuilder()
                                    .setTableId(tableId)
                                    .setStartIndex(startIndex)
                                    .setMaxBytes(maxBytes)
                                    .setWaitMillis(waitMillis)
                                    .build()));
        } catch (io.grpc.StatusRuntimeException failure) {
            failedOver(e);
            throw failure;
        } catch (Exception impossible) { // call() declares Exception; the stub throws only StatusRuntimeException
            throw new IllegalStateException(impossible);
        }
    }

    /** A table snapshot from the leader cluster, as a stream of parts; bounded by {@code timeoutMillis}. */
    Iterator<TableSnapshotPart> snapshot(long tableId, long timeoutMillis) {
        Endpoint e = current;
        // started under the endpoint's context: a move off a frozen endpoint ends the stream too
        io.grpc.Context previous = e.calls().attach();
        try {
            return LogServiceGrpc.newBlockingStub(e.channel())
                    .withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS)
                    .snapshot(TableSnapshotRequest.newBuilder()
                            .setTableId(tableId)
                            .build());
        } finally {
            e.calls().detach(previous);
        }
    }

    @Override
    public void close() {
        prober.shutdownNow();
        current.calls().cancel(null);
        channels.forEach(ManagedChannel::shutdownNow);
    }
}
