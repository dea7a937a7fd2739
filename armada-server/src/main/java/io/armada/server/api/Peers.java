package io.armada.server.api;

import io.armada.api.v1.KVGrpc;
import io.armada.api.v1.TablesGrpc;
import io.armada.proto.Limits;
import io.armada.server.config.ServerConfig;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * gRPC channels from this node to the client API of every other member, used to forward a
 * request to the member that leads its group. Forwarded calls carry {@link #FORWARDED_BY}, and a
 * node never forwards a forwarded call again, so a stale leader view costs one UNAVAILABLE and
 * never a loop.
 */
final class Peers implements AutoCloseable {
    static final Metadata.Key<String> FORWARDED_BY = ForwardedBy.HEADER;

    private final ServerConfig config;
    private final Map<Long, ManagedChannel> channels = new ConcurrentHashMap<>();

    Peers(ServerConfig config) {
        this.config = config;
    }

    /** A channel to member {@code memberId}'s client API whose calls are marked as forwarded by this node. */
    io.grpc.Channel forwardChannel(long memberId) {
        ManagedChannel ch = channel(memberId);
        if (ch.getState(false) == io.grpc.ConnectivityState.TRANSIENT_FAILURE) {
            // Raft names this member the leader now, so it is up again: dial at once rather than
            // waiting out gRPC's reconnect backoff, which grows to minutes while a member is down
            ch.resetConnectBackoff();
        }
        return ClientInterceptors.intercept(ch, marker());
    }

    KVGrpc.KVFutureStub kv(long memberId) {
        return KVGrpc.newFutureStub(ClientInterceptors.intercept(channel(memberId), marker()));
    }

    TablesGrpc.TablesFutureStub tables(long memberId) {
        return TablesGrpc.newFutureStub(ClientInterceptors.intercept(channel(memberId), marker()));
    }

    String clientAddress(long memberId) {
        return config.members().stream().anyMatch(m -> m.id() == memberId)
                ? config.member(memberId).clientAddress().toString()
                : null;
    }

    private ClientInterceptor marker() {
        Metadata headers = new Metadata();
        headers.put(FORWARDED_BY, Long.toString(config.nodeId()));
        return MetadataUtils.newAttachHeadersInterceptor(headers);
    }

    private ManagedChannel channel(long memberId) {
        return channels.computeIfAbsent(memberId, id -> {
            ServerConfig.MemberConfig m = config.member(id);
            NettyChannelBuilder b = NettyChannelBuilder.forAddress(
                            m.clientAddress().host(), m.clientAddress().port())
                    .maxInboundMessageSize(Limits.MAX_REQUEST_BYTES + (1 << 20))
                    // a forwarded answer only completes the waiting call: no hand-off to a pool thread
                    .directExecutor();
            ServerConfig.ClientTlsConfig tls = config.clientTls();
            if (tls == null) {
                b.usePlaintext();
            } else {
                try {
                    // members present their own server certificate as client certificate (mutual TLS)
                    var ssl = GrpcSslContexts.forClient()
                            .keyManager(tls.certFile().toFile(), tls.keyFile().toFile());
                    if (tls.clientCaFile() != null) {
                        ssl.trustManager(tls.clientCaFile().toFile());
                    }
                    b.sslContext(ssl.build());
                } catch (SSLException e) {
                    throw new IllegalStateException(
                            "client-tls: cannot build TLS for forwarding: " + e.getMessage(), e);
                }
            }
            return b.build();
        });
    }

    @Override
    public void close() {
        for (ManagedChannel c : channels.values()) {
            c.shutdownNow();
        }
        for (ManagedChannel c : channels.values()) {
            try {
                c.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
