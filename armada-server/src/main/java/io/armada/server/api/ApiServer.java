package io.armada.server.api;

import io.armada.proto.Limits;
import io.armada.server.config.ServerConfig;
import io.armada.server.node.ArmadaNode;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * The node's gRPC endpoint for clients (and for writes other members forward): KV, Tables and
 * Cluster, with the request size limit and optional (mutual) TLS from configuration.
 */
public final class ApiServer implements AutoCloseable {
    /** Concurrent streams one client connection may open; more wait in the client. */
    static final int MAX_CONCURRENT_CALLS_PER_CONNECTION = 1_000;

    /** Threads running service code; calls are short (writes and reads complete asynchronously). */
    static final int SERVICE_THREADS = Math.max(4, 4 * Runtime.getRuntime().availableProcessors());

    private final Server server;
    private final Peers peers;
    private final TablesService tables;
    private final java.util.concurrent.ExecutorService executor;

    private ApiServer(Server server, Peers peers, TablesService tables, java.util.concurrent.ExecutorService executor) {
        this.server = server;
        this.peers = peers;
        this.tables = tables;
        this.executor = executor;
    }

    /** Service threads of one node; their log lines carry the node (several nodes share a JVM in dev mode). */
    private static java.util.concurrent.ExecutorService serviceExecutor(long nodeId) {
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        return java.util.concurrent.Executors.newFixedThreadPool(SERVICE_THREADS, r -> {
            Thread t = new Thread(() -> {
                org.slf4j.MDC.put("node", "n" + nodeId);
                r.run();
            }, "armada-api-n" + nodeId + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts serving on the node's client address; {@code interceptors} run around every call (metrics). */
    public static ApiServer start(ArmadaNode node, List<ServerInterceptor> interceptors) {
        ServerConfig config = node.config();
        Peers peers = new Peers(config);
        Router router = new Router(node, peers);
        TablesService tables = new TablesService(node, router, peers);
        List<ServerInterceptor> all = new ArrayList<>(interceptors);
        all.add(new ForwardedInterceptor()); // innermost: sets the context the services read
        java.util.concurrent.ExecutorService executor = serviceExecutor(config.nodeId());
        NettyServerBuilder b = NettyServerBuilder.forAddress(config.self().clientAddress().toSocketAddress())
                .executor(executor)
                // writes never block: they run on the network thread that read them, saving a hand-off
                .callExecutor(new io.grpc.ServerCallExecutorSupplier() {
                    @Override
                    public <ReqT, RespT> java.util.concurrent.Executor getExecutor(io.grpc.ServerCall<ReqT, RespT> call,
                            io.grpc.Metadata headers) {
                        return KvService.NON_BLOCKING_METHODS.contains(call.getMethodDescriptor().getFullMethodName())
                                ? com.google.common.util.concurrent.MoreExecutors.directExecutor() : null;
                    }
                })
                .maxInboundMessageSize(Limits.MAX_REQUEST_BYTES)
                .maxConcurrentCallsPerConnection(MAX_CONCURRENT_CALLS_PER_CONNECTION)
                .addService(ServerInterceptors.interceptForward(strict(new KvService(node, router, peers, executor)), all))
                .addService(ServerInterceptors.interceptForward(strict(tables), all))
                .addService(ServerInterceptors.interceptForward(strict(new ClusterService(node, router, tables)), all))
                .addService(ServerInterceptors.interceptForward(strict(new MaintenanceService(node, router)), all))
                .addService(ServerInterceptors.interceptForward(strict(new io.armada.server.replication.LogService(node)), all));
        if (config.clientTls() != null) {
            b.sslContext(serverTls(config.clientTls()));
        }
        try {
            return new ApiServer(b.build().start(), peers, tables, executor);
        } catch (IOException e) {
            executor.shutdownNow();
            peers.close();
            tables.close();
            throw new UncheckedIOException("cannot serve the client API on " + config.self().clientAddress(), e);
        }
    }

    /** The service reading its requests itself, so an unparseable one is INVALID_ARGUMENT (see {@link StrictRequestParsing}). */
    private static io.grpc.ServerServiceDefinition strict(io.grpc.BindableService service) {
        return StrictRequestParsing.wrap(service.bindService());
    }

    private static io.grpc.netty.shaded.io.netty.handler.ssl.SslContext serverTls(ServerConfig.ClientTlsConfig tls) {
        try {
            SslContextBuilder ssl = GrpcSslContexts.configure(
                    SslContextBuilder.forServer(tls.certFile().toFile(), tls.keyFile().toFile()));
            if (tls.clientCaFile() != null) {
                ssl.trustManager(tls.clientCaFile().toFile()).clientAuth(ClientAuth.REQUIRE);
            }
            return ssl.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("client-tls: " + e.getMessage(), e);
        }
    }

    public int port() {
        return server.getPort();
    }

    /** Stops taking new calls and gives running ones {@code graceMillis} to finish. */
    public void shutdown(long graceMillis) {
        server.shutdown();
        try {
            if (!server.awaitTermination(graceMillis, TimeUnit.MILLISECONDS)) {
                server.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
        }
    }

    @Override
    public void close() {
        shutdown(0);
        tables.close();
        peers.close();
        executor.shutdownNow();
    }
}
