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
 * endpoint (any leader node serves the log and the client API), used in turn; a call that finds
 * an endpoint unavailable moves the link to the next one.
 */
public final class LeaderLink implements AutoCloseable {
    private final List<HostPort> endpoints;
    private final List<ManagedChannel> channels = new ArrayList<>();
    private volatile int current;

    public LeaderLink(ServerConfig.FollowerOf leader) {
        this.endpoints = leader.endpoints();
        var ssl = leader.caFile() == null && leader.certFile() == null ? null : ssl(leader);
        for (HostPort e : endpoints) {
            NettyChannelBuilder b = NettyChannelBuilder.forAddress(e.host(), e.port())
                    .maxInboundMessageSize(Limits.MAX_REQUEST_BYTES + (1 << 20));
            channels.add((ssl == null ? b.usePlaintext() : b.sslContext(ssl)).build());
        }
    }

    private static io.grpc.netty.shaded.io.netty.handler.ssl.SslContext ssl(ServerConfig.FollowerOf leader) {
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
            throw new IllegalArgumentException("follower-of: " + e.getMessage(), e);
        }
    }

    /** The channel to the leader endpoint in use. */
    public ManagedChannel channel() {
        return channels.get(current % channels.size());
    }

    /**
     * The endpoint in use failed: the next call goes to the next one, which dials at once. gRPC
     * would otherwise keep a channel whose node was down in exponential reconnect backoff (up to
     * two minutes), long after the leader cluster is back; callers pace their own retries.
     */
    public void failedOver() {
        current = (current + 1) % channels.size();
        channel().resetConnectBackoff();
    }

    public String endpoints() {
        return String.join(",", endpoints.stream().map(HostPort::toString).toList());
    }

    /** One batch of a table's committed entries from {@code startIndex}, long-polling up to {@code waitMillis}. */
    PullResponse pull(long tableId, long startIndex, int maxBytes, int waitMillis) {
        try {
            return LogServiceGrpc.newBlockingStub(channel()).withDeadlineAfter(waitMillis + 5_000L, TimeUnit.MILLISECONDS)
                    .pull(PullRequest.newBuilder().setTableId(tableId).setStartIndex(startIndex).setMaxBytes(maxBytes)
                            .setWaitMillis(waitMillis).build());
        } catch (io.grpc.StatusRuntimeException e) {
            failedOver();
            throw e;
        }
    }

    /** A table snapshot from the leader cluster, as a stream of parts; bounded by {@code timeoutMillis}. */
    Iterator<TableSnapshotPart> snapshot(long tableId, long timeoutMillis) {
        return LogServiceGrpc.newBlockingStub(channel()).withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS)
                .snapshot(TableSnapshotRequest.newBuilder().setTableId(tableId).build());
    }

    @Override
    public void close() {
        channels.forEach(ManagedChannel::shutdownNow);
    }
}
