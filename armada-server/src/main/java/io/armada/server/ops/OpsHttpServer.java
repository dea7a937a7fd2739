package io.armada.server.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.armada.server.config.HostPort;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The node's operations endpoint: {@code GET /metrics} (Prometheus text), {@code /healthz} (200 while
 * the process serves) and {@code /readyz} (200 once every group of the node knows a leader, else
 * 503), and the {@link Failpoints} when enabled. Two threads; scrapes are small.
 */
public final class OpsHttpServer implements AutoCloseable {
    static final int MAX_FAILPOINT_BODY_BYTES = 64;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "armada-ops");
        t.setDaemon(true);
        return t;
    });

    public OpsHttpServer(HostPort address, Supplier<String> metrics, BooleanSupplier ready) {
        this(address, metrics, ready, Failpoints.disabled());
    }

    /** With {@code failpoints} enabled, also {@code GET} and {@code PUT /debug/failpoints/NAME} (see {@link Failpoints}). */
    public OpsHttpServer(HostPort address, Supplier<String> metrics, BooleanSupplier ready, Failpoints failpoints) {
        try {
            server = HttpServer.create(address.toSocketAddress(), 16);
        } catch (IOException e) {
            throw new UncheckedIOException("metrics-address: cannot listen on " + address, e);
        }
        server.setExecutor(executor);
        server.createContext("/", exchange -> {
            try (exchange) {
                String path = exchange.getRequestURI().getPath();
                if (path.startsWith(Failpoints.PATH_PREFIX)) {
                    if (failpoints.enabled()) {
                        failpoint(exchange, failpoints, path.substring(Failpoints.PATH_PREFIX.length()));
                    } else {
                        respond(exchange, 404, "text/plain", "not found\n"); // whatever the method: nothing is there
                    }
                    return;
                }
                if (!"GET".equals(exchange.getRequestMethod())) {
                    respond(exchange, 405, "text/plain", "GET only\n");
                    return;
                }
                switch (path) {
                    case "/metrics" -> respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.get());
                    case "/healthz" -> respond(exchange, 200, "text/plain", "ok\n");
                    case "/readyz" -> {
                        boolean ok = ready.getAsBoolean();
                        respond(exchange, ok ? 200 : 503, "text/plain", ok ? "ready\n"
                                : "not ready: a Raft group of this node has no leader yet\n");
                    }
                    default -> respond(exchange, 404, "text/plain", "not found\n");
                }
            }
        });
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void failpoint(HttpExchange exchange, Failpoints failpoints, String name) throws IOException {
        switch (exchange.getRequestMethod()) {
            case "GET" -> {
                var value = failpoints.get(name);
                respond(exchange, value.isPresent() ? 200 : 404, "text/plain",
                        value.map(v -> v + "\n").orElse("no failpoint '" + name + "'\n"));
            }
            case "PUT" -> {
                // a value is a few digits; a longer body is refused rather than buffered
                byte[] body = exchange.getRequestBody().readNBytes(MAX_FAILPOINT_BODY_BYTES + 1);
                if (body.length > MAX_FAILPOINT_BODY_BYTES) {
                    respond(exchange, 413, "text/plain", "a failpoint value is at most " + MAX_FAILPOINT_BODY_BYTES + " bytes\n");
                    return;
                }
                String value = new String(body, StandardCharsets.UTF_8);
                try {
                    if (failpoints.set(name, value)) {
                        respond(exchange, 200, "text/plain", failpoints.get(name).orElseThrow() + "\n");
                    } else {
                        respond(exchange, 404, "text/plain", "no failpoint '" + name + "'\n");
                    }
                } catch (IllegalArgumentException e) {
                    respond(exchange, 400, "text/plain", e.getMessage() + "\n");
                }
            }
            default -> respond(exchange, 405, "text/plain", "GET or PUT only\n");
        }
    }

    private static void respond(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
