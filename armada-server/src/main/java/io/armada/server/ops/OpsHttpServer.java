package io.armada.server.ops;

import io.armada.server.config.HostPort;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.WriteTimeoutHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's operations endpoint: {@code GET /metrics} (Prometheus text), {@code /healthz} (200 while
 * the process serves) and {@code /readyz} (200 once every group of the node knows a leader, else
 * 503), and the {@link Failpoints} when enabled.
 *
 * <p>HTTP/1.1 on one non-blocking Netty thread, so a client that sends its request a byte at a time
 * holds no thread and cannot keep a liveness probe from being answered. Every request must arrive
 * whole within {@link Limits#requestTimeoutMillis} of the connection opening (or of the previous
 * response); a connection that misses it, or stays idle that long, is closed. Requests are small:
 * oversized lines, headers and bodies are refused with 4xx, and connections beyond
 * {@link Limits#maxConnections} are closed at once.
 */
public final class OpsHttpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OpsHttpServer.class);
    static final int MAX_FAILPOINT_BODY_BYTES = 64;

    /**
     * Bounds of the ops endpoint.
     *
     * @param requestTimeoutMillis time a connection has to deliver a whole request (from opening, or
     *     from the previous response on a kept-alive connection); also the idle timeout and the time
     *     a response may take to leave. 10 s: probes and scrapes send their few hundred bytes at once,
     *     and Kubernetes' default probe timeout is 1 s, so only a stalled or hostile client waits that long
     * @param maxConnections open connections at once; more are closed on accept. 128: a node has a
     *     handful of probes and scrapers, and 128 idle sockets cost little memory and few fds
     * @param maxHeaderBytes request line plus headers. 8 KiB: what common servers accept; probes send &lt; 1 KiB
     * @param maxBodyBytes request body (only failpoint PUTs have one). 4 KiB: a failpoint value is a few digits
     */
    public record Limits(long requestTimeoutMillis, int maxConnections, int maxHeaderBytes, int maxBodyBytes) {
        public Limits {
            if (requestTimeoutMillis < 1
                    || maxConnections < 1
                    || maxHeaderBytes < 64
                    || maxBodyBytes < MAX_FAILPOINT_BODY_BYTES) {
                throw new IllegalArgumentException("ops endpoint limits out of range: " + requestTimeoutMillis
                        + " ms, " + maxConnections + " connections, " + maxHeaderBytes + " header bytes, "
                        + maxBodyBytes + " body bytes");
            }
        }

        public static Limits defaults() {
            return new Limits(10_000, 128, 8 << 10, 4 << 10);
        }

        public Limits withRequestTimeoutMillis(long millis) {
            return new Limits(millis, maxConnections, maxHeaderBytes, maxBodyBytes);
        }

        public Limits withMaxConnections(int connections) {
            return new Limits(requestTimeoutMillis, connections, maxHeaderBytes, maxBodyBytes);
        }
    }

    private final Supplier<String> metrics;
    private final BooleanSupplier ready;
    private final Failpoints failpoints;
    private final Limits limits;
    private final EventLoopGroup eventLoop;
    private final Channel serverChannel;
    private final AtomicInteger openConnections = new AtomicInteger();

    public OpsHttpServer(HostPort address, Supplier<String> metrics, BooleanSupplier ready) {
        this(address, metrics, ready, Failpoints.disabled());
    }

    /** With {@code failpoints} enabled, also {@code GET} and {@code PUT /debug/failpoints/NAME} (see {@link Failpoints}). */
    public OpsHttpServer(HostPort address, Supplier<String> metrics, BooleanSupplier ready, Failpoints failpoints) {
        this(address, metrics, ready, failpoints, Limits.defaults());
    }

    OpsHttpServer(
            HostPort address, Supplier<String> metrics, BooleanSupplier ready, Failpoints failpoints, Limits limits) {
        this.metrics = metrics;
        this.ready = ready;
        this.failpoints = failpoints;
        this.limits = limits;
        this.eventLoop = new MultiThreadIoEventLoopGroup(
                1, new DefaultThreadFactory("armada-ops", true), NioIoHandler.newFactory());
        try {
            serverChannel = new ServerBootstrap()
                    .group(eventLoop)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 64)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            setUp(channel);
                        }
                    })
                    .bind(address.toSocketAddress())
                    .syncUninterruptibly()
                    .channel();
        } catch (RuntimeException e) {
            eventLoop.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw new IllegalStateException("metrics-address: cannot listen on " + address + ": " + e.getMessage(), e);
        }
    }

    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    private void setUp(SocketChannel channel) {
        if (openConnections.incrementAndGet() > limits.maxConnections()) {
            openConnections.decrementAndGet();
            log.debug(
                    "ops endpoint: {} connections open, closing {}", limits.maxConnections(), channel.remoteAddress());
            channel.close();
            return;
        }
        channel.closeFuture().addListener(f -> openConnections.decrementAndGet());
        channel.pipeline()
                .addLast(new RequestDeadline(limits.requestTimeoutMillis()))
                .addLast(new WriteTimeoutHandler(limits.requestTimeoutMillis(), TimeUnit.MILLISECONDS))
                .addLast(new HttpServerCodec(limits.maxHeaderBytes(), limits.maxHeaderBytes(), 8192))
                .addLast(new HttpObjectAggregator(limits.maxBodyBytes()))
                .addLast(new Requests());
    }

    /**
     * Closes the connection unless a whole request arrives within the timeout; the clock starts
     * when the connection opens and again when a response has been written (keep-alive).
     */
    private static final class RequestDeadline extends ChannelInboundHandlerAdapter {
        private final long timeoutMillis;
        private ScheduledFuture<?> deadline;

        RequestDeadline(long timeoutMillis) {
            this.timeoutMillis = timeoutMillis;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            arm(ctx);
            ctx.fireChannelActive();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            disarm();
            ctx.fireChannelInactive();
        }

        void arm(ChannelHandlerContext ctx) {
            disarm();
            deadline = ctx.executor()
                    .schedule(
                            () -> {
                                log.debug(
                                        "ops endpoint: no whole request from {} within {} ms; closing",
                                        ctx.channel().remoteAddress(),
                                        timeoutMillis);
                                ctx.close();
                            },
                            timeoutMillis,
                            TimeUnit.MILLISECONDS);
        }

        void disarm() {
            if (deadline != null) {
                deadline.cancel(false);
                deadline = null;
            }
        }
    }

    private final class Requests extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            RequestDeadline deadline = ctx.pipeline().get(RequestDeadline.class);
            deadline.disarm();
            Response response = request.decoderResult().isSuccess() ? answer(request) : refusal(request);
            byte[] bytes = response.body().getBytes(StandardCharsets.UTF_8);
            FullHttpResponse out = new DefaultFullHttpResponse(
                    HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(response.status()), Unpooled.wrappedBuffer(bytes));
            out.headers().set(HttpHeaderNames.CONTENT_TYPE, response.type());
            out.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
            boolean keepAlive = request.decoderResult().isSuccess() && HttpUtil.isKeepAlive(request);
            if (!keepAlive) {
                out.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
            ctx.writeAndFlush(out).addListener((ChannelFutureListener) f -> {
                if (!keepAlive || !f.isSuccess()) {
                    ctx.close();
                } else {
                    deadline.arm(ctx); // the next request on this connection gets the same time
                }
            });
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("ops endpoint: connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }

    private record Response(int status, String type, String body) {}

    /** The answer to a request the codec could not take; the connection closes after it. */
    private Response refusal(FullHttpRequest request) {
        Throwable cause = request.decoderResult().cause();
        if (cause instanceof TooLongHttpLineException) {
            return new Response(414, "text/plain", "request line over " + limits.maxHeaderBytes() + " bytes\n");
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return new Response(431, "text/plain", "request headers over " + limits.maxHeaderBytes() + " bytes\n");
        }
        return new Response(400, "text/plain", "malformed request\n");
    }

    private Response answer(FullHttpRequest request) {
        String path = new QueryStringDecoder(request.uri()).path();
        HttpMethod method = request.method();
        if (path.startsWith(Failpoints.PATH_PREFIX)) {
            // whatever the method: without the variable nothing is there
            return failpoints.enabled()
                    ? failpoint(request, path.substring(Failpoints.PATH_PREFIX.length()))
                    : new Response(404, "text/plain", "not found\n");
        }
        if (!HttpMethod.GET.equals(method)) {
            return new Response(405, "text/plain", "GET only\n");
        }
        return switch (path) {
            case "/metrics" -> new Response(200, "text/plain; version=0.0.4; charset=utf-8", metrics.get());
            case "/healthz" -> new Response(200, "text/plain", "ok\n");
            case "/readyz" ->
                ready.getAsBoolean()
                        ? new Response(200, "text/plain", "ready\n")
                        : new Response(503, "text/plain", "not ready: a Raft group of this node has no leader yet\n");
            default -> new Response(404, "text/plain", "not found\n");
        };
    }

    private Response failpoint(FullHttpRequest request, String name) {
        if (HttpMethod.GET.equals(request.method())) {
            var value = failpoints.get(name);
            return new Response(
                    value.isPresent() ? 200 : 404,
                    "text/plain",
                    value.map(v -> v + "\n").orElse("no failpoint '" + name + "'\n"));
        }
        if (!HttpMethod.PUT.equals(request.method())) {
            return new Response(405, "text/plain", "GET or PUT only\n");
        }
        // a value is a few digits; a longer body is refused
        if (request.content().readableBytes() > MAX_FAILPOINT_BODY_BYTES) {
            return new Response(
                    413, "text/plain", "a failpoint value is at most " + MAX_FAILPOINT_BODY_BYTES + " bytes\n");
        }
        String value = request.content().toString(StandardCharsets.UTF_8);
        try {
            if (failpoints.set(name, value)) {
                return new Response(200, "text/plain", failpoints.get(name).orElseThrow() + "\n");
            }
            return new Response(404, "text/plain", "no failpoint '" + name + "'\n");
        } catch (IllegalArgumentException e) {
            return new Response(400, "text/plain", e.getMessage() + "\n");
        }
    }

    @Override
    public void close() {
        serverChannel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        eventLoop.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
