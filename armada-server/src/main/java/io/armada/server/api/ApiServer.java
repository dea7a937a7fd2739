package io.armada.server.api;

import io.armada.api.v1.KVGrpc;
import io.armada.api.v1.MaintenanceGrpc;
import io.armada.internal.v1.LogServiceGrpc;
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
    /**
     * Concurrent calls one client connection may have open (HTTP/2 MAX_CONCURRENT_STREAMS); more wait
     * in the client. Each may be receiving a request of up to {@link Limits#MAX_REQUEST_BYTES}, which
     * gRPC buffers in full as it arrives (it returns flow-control credit for a partial message): one
     * connection's unfinished requests could hold 100 x 4 MiB, about 1.46 GiB of direct memory since each
     * kept frame pins its read buffer (UnfinishedRequestBodiesTest), so the node bounds them over all its
     * connections ({@link RequestBodyBudget}) and for at most {@link Limits#REQUEST_RECEIVE_TIMEOUT_MILLIS}
     * each. Go's HTTP/2 server allows 250.
     */
    static final int MAX_CONCURRENT_CALLS_PER_CONNECTION = 100;

    /**
     * HTTP/2 receive window of each call (and of the connection): how many request bytes a client may
     * send ahead of the node reading them. gRPC's default; stated so it is a decision, not an accident.
     * It does not bound a message still arriving: gRPC reads a partial message into its buffer and
     * returns the credit at once, so a call can send its whole declared message.
     */
    static final int FLOW_CONTROL_WINDOW_BYTES = 1024 * 1024;

    /**
     * RST_STREAM frames a connection may send per {@link #RST_WINDOW_SECONDS} before it is closed with
     * GOAWAY (HTTP/2 "rapid reset", CVE-2023-44487: creating and cancelling streams in a loop costs the
     * server far more than the client). Ordinary clients cancel a few calls a second.
     */
    static final int MAX_RST_FRAMES_PER_WINDOW = 1_000;

    static final int RST_WINDOW_SECONDS = 10;

    /** The node pings a connection quiet for this long, to find peers that vanished without closing. */
    static final long KEEPALIVE_TIME_SECONDS = 60;
    /** A connection whose ping is unanswered this long is closed, with every call on it. */
    static final long KEEPALIVE_TIMEOUT_SECONDS = 20;
    /** Pings from a client more often than this get GOAWAY (a ping flood costs the node work). */
    static final long PERMIT_KEEPALIVE_SECONDS = 10;
    /** A connection with no call for this long is closed (GOAWAY); clients reconnect when they need to. */
    static final long MAX_CONNECTION_IDLE_MINUTES = 10;
    /**
     * A connection that has not completed its handshake (TLS, or the HTTP/2 preface and settings) this
     * long after it was accepted is closed: otherwise a client holds a file descriptor per socket it
     * opens and never speaks on (gRPC's default allows 120 s).
     */
    static final long HANDSHAKE_TIMEOUT_SECONDS = 10;
    /** Largest header block a request may carry; gRPC's default, stated. */
    static final int MAX_HEADER_LIST_BYTES = 8 * 1024;

    /** Threads running service code; calls are short (writes and reads complete asynchronously). */
    static final int SERVICE_THREADS = Math.max(4, 4 * Runtime.getRuntime().availableProcessors());

    private final Server server;
    private final Peers peers;
    private final TablesService tables;
    private final java.util.concurrent.ExecutorService executor;
    private final java.util.concurrent.ScheduledExecutorService streamTimer;
    private final List<StreamAdmission> admissions;
    private final RequestBodyBudget bodies;

    private ApiServer(
            Server server,
            Peers peers,
            TablesService tables,
            java.util.concurrent.ExecutorService executor,
            java.util.concurrent.ScheduledExecutorService streamTimer,
            List<StreamAdmission> admissions,
            RequestBodyBudget bodies) {
        this.admissions = admissions;
        this.bodies = bodies;
        this.server = server;
        this.peers = peers;
        this.tables = tables;
        this.executor = executor;
        this.streamTimer = streamTimer;
    }

    /** The one thread checking every stream of the node for a stalled reader (the checks are short). */
    private static java.util.concurrent.ScheduledExecutorService streamTimer(long nodeId) {
        return java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "armada-streams-n" + nodeId);
            t.setDaemon(true);
            return t;
        });
    }

    /** Service threads of one node; their log lines carry the node (several nodes share a JVM in dev mode). */
    private static java.util.concurrent.ExecutorService serviceExecutor(long nodeId) {
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        return java.util.concurrent.Executors.newFixedThreadPool(SERVICE_THREADS, r -> {
            Thread t = new Thread(
                    () -> {
                        org.slf4j.MDC.put("node", "n" + nodeId);
                        r.run();
                    },
                    "armada-api-n" + nodeId + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts serving on the node's client address; {@code interceptors} run around every call (metrics). */
    public static ApiServer start(
            ArmadaNode node,
            io.armada.server.replication.LeaderClusterLink leaderCluster,
            List<ServerInterceptor> interceptors) {
        ServerConfig config = node.config();
        Peers peers = new Peers(config);
        Router router = new Router(node, peers, leaderCluster);
        TableDeletion deletion = new TableDeletion(router);
        TablesService tables = new TablesService(node, router, deletion);
        RequestBodyBudget bodies = new RequestBodyBudget(
                Limits.MAX_UNFINISHED_REQUEST_BYTES_PER_NODE,
                Limits.ALWAYS_ADMITTED_REQUEST_BYTES,
                "Limits.MAX_UNFINISHED_REQUEST_BYTES_PER_NODE");
        List<ServerInterceptor> all = new ArrayList<>(interceptors);
        all.add(bodies); // right after metrics, so its refusals are counted and every later close goes through it
        all.add(new ForwardedInterceptor()); // innermost: sets the context the services read
        java.util.concurrent.ExecutorService executor = serviceExecutor(config.nodeId());
        java.util.concurrent.ScheduledExecutorService streamTimer = streamTimer(config.nodeId());
        PacedStream.Settings streams =
                new PacedStream.Settings(streamTimer, executor, Limits.STREAM_STALL_TIMEOUT_MILLIS);
        // after metrics (a refusal is counted), before the services
        StreamAdmission iterations = new StreamAdmission(
                "IterateRange calls",
                new StreamAdmission.Cap(Limits.MAX_STREAMS_PER_CONNECTION, "Limits.MAX_STREAMS_PER_CONNECTION"),
                new StreamAdmission.Cap(Limits.MAX_STREAMS_PER_NODE, "Limits.MAX_STREAMS_PER_NODE"));
        StreamAdmission snapshots = new StreamAdmission(
                "Snapshot calls",
                new StreamAdmission.Cap(Limits.MAX_SNAPSHOT_STREAMS_PER_NODE, "Limits.MAX_SNAPSHOT_STREAMS_PER_NODE"),
                new StreamAdmission.Cap(Limits.MAX_SNAPSHOT_STREAMS_PER_NODE, "Limits.MAX_SNAPSHOT_STREAMS_PER_NODE"));
        List<ServerInterceptor> kvInterceptors = new ArrayList<>(all);
        kvInterceptors.add(all.size() - 1, iterations);
        List<ServerInterceptor> logInterceptors = new ArrayList<>(all);
        logInterceptors.add(all.size() - 1, snapshots);
        NettyServerBuilder b = NettyServerBuilder.forAddress(
                        config.self().clientAddress().toSocketAddress())
                .executor(executor)
                // writes never block: they run on the network thread that read them, saving a hand-off
                .callExecutor(new io.grpc.ServerCallExecutorSupplier() {
                    @Override
                    public <ReqT, RespT> java.util.concurrent.Executor getExecutor(
                            io.grpc.ServerCall<ReqT, RespT> call, io.grpc.Metadata headers) {
                        return KvService.NON_BLOCKING_METHODS.contains(
                                        call.getMethodDescriptor().getFullMethodName())
                                ? com.google.common.util.concurrent.MoreExecutors.directExecutor()
                                : null;
                    }
                })
                // a request that never finishes arriving is reset (it holds a window of buffered bytes)
                .addStreamTracerFactory(new RequestReceiveDeadline(
                        streamTimer,
                        Limits.REQUEST_RECEIVE_TIMEOUT_MILLIS,
                        java.util.Set.of(MaintenanceGrpc.getRestoreMethod().getFullMethodName())))
                // request bytes still arriving are bounded on the node, over all connections
                .addStreamTracerFactory(bodies)
                // a stalled stream can be reset on the wire (see PacedStream.CALL_CONTEXT)
                .addStreamTracerFactory(new StreamCutOff(java.util.Set.of(
                        KVGrpc.getIterateRangeMethod().getFullMethodName(),
                        LogServiceGrpc.getSnapshotMethod().getFullMethodName())))
                .maxInboundMessageSize(Limits.MAX_REQUEST_BYTES)
                // gzip (the one encoding clients send) decompressed while the request is parsed: clear statuses
                .decompressorRegistry(io.grpc.DecompressorRegistry.emptyInstance()
                        .with(io.grpc.Codec.Identity.NONE, false)
                        .with(new StrictGzip(), true))
                .maxInboundMetadataSize(MAX_HEADER_LIST_BYTES)
                .maxConcurrentCallsPerConnection(MAX_CONCURRENT_CALLS_PER_CONNECTION)
                .flowControlWindow(FLOW_CONTROL_WINDOW_BYTES)
                .maxRstFramesPerWindow(MAX_RST_FRAMES_PER_WINDOW, RST_WINDOW_SECONDS)
                .keepAliveTime(KEEPALIVE_TIME_SECONDS, TimeUnit.SECONDS)
                .keepAliveTimeout(KEEPALIVE_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .permitKeepAliveTime(PERMIT_KEEPALIVE_SECONDS, TimeUnit.SECONDS)
                .maxConnectionIdle(MAX_CONNECTION_IDLE_MINUTES, TimeUnit.MINUTES)
                .handshakeTimeout(HANDSHAKE_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .addService(ServerInterceptors.interceptForward(
                        strict(new KvService(node, router, executor, streams)), kvInterceptors))
                .addService(ServerInterceptors.interceptForward(strict(tables), all))
                .addService(ServerInterceptors.interceptForward(strict(new ClusterService(node, router, tables)), all))
                .addService(ServerInterceptors.interceptForward(
                        strict(new MaintenanceService(node, router, executor)), all))
                .addService(ServerInterceptors.interceptForward(strict(new MembersService(deletion)), all))
                .addService(
                        ServerInterceptors.interceptForward(strict(new LogService(node, streams)), logInterceptors));
        if (config.clientTls() != null) {
            b.sslContext(serverTls(config.clientTls()));
        }
        try {
            return new ApiServer(
                    b.build().start(), peers, tables, executor, streamTimer, List.of(iterations, snapshots), bodies);
        } catch (IOException e) {
            executor.shutdownNow();
            streamTimer.shutdownNow();
            peers.close();
            tables.close();
            throw new UncheckedIOException(
                    "cannot serve the client API on " + config.self().clientAddress(), e);
        }
    }

    /** The service reading its requests itself, so an unparseable one is INVALID_ARGUMENT (see {@link StrictRequestParsing}). */
    private static io.grpc.ServerServiceDefinition strict(io.grpc.BindableService service) {
        return StrictRequestParsing.wrap(service.bindService());
    }

    private static io.grpc.netty.shaded.io.netty.handler.ssl.SslContext serverTls(ServerConfig.ClientTlsConfig tls) {
        try {
            SslContextBuilder ssl = GrpcSslContexts.configure(SslContextBuilder.forServer(
                    tls.certFile().toFile(), tls.keyFile().toFile()));
            if (tls.clientCaFile() != null) {
                ssl.trustManager(tls.clientCaFile().toFile()).clientAuth(ClientAuth.REQUIRE);
            }
            return ssl.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("client-tls: " + e.getMessage(), e);
        }
    }

    /** Server-streaming calls open now (each holds a slot of a stream cap, see {@link StreamAdmission}). */
    public int openStreams() {
        return admissions.stream().mapToInt(StreamAdmission::open).sum();
    }

    /** Bytes of request messages still arriving, held on this node now ({@link RequestBodyBudget}). */
    public long unfinishedRequestBytes() {
        return bodies.held();
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
        streamTimer.shutdownNow();
    }
}
