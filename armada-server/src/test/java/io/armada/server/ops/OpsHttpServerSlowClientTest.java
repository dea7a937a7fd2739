package io.armada.server.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.armada.server.config.HostPort;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Issue 14 finding 3: clients that send their request headers a byte at a time must neither keep
 * /healthz from answering (a liveness probe would restart a healthy node) nor hold a connection forever.
 */
class OpsHttpServerSlowClientTest {
    private static final int SLOW_CONNECTIONS = 8;
    private static final Duration TRICKLE_INTERVAL = Duration.ofMillis(250);
    private static final OpsHttpServer.Limits SHORT_TIMEOUT =
            OpsHttpServer.Limits.defaults().withRequestTimeoutMillis(1_500);

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(2))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void slowHeaderConnectionsNeitherBlockHealthzNorStayOpen() throws Exception {
        ExecutorService tricklers = Executors.newFixedThreadPool(SLOW_CONNECTIONS);
        List<Socket> slow = new ArrayList<>();
        AtomicInteger closedByServer = new AtomicInteger();
        try (OpsHttpServer server = new OpsHttpServer(
                new HostPort("127.0.0.1", 0),
                () -> "armada_up 1\n",
                () -> true,
                Failpoints.disabled(),
                SHORT_TIMEOUT)) {
            int port = server.port();
            for (int i = 0; i < SLOW_CONNECTIONS; i++) {
                Socket socket = new Socket();
                socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
                slow.add(socket);
                tricklers.submit(() -> trickle(socket, closedByServer));
            }
            // every slow client has sent its first byte and holds its connection
            Thread.sleep(
                    TRICKLE_INTERVAL.toMillis() * 2); // let the trickles start: there is no event for "a byte arrived"

            long start = System.nanoTime();
            HttpResponse<String> health = get(port, "/healthz");
            long healthMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).isEqualTo("ok\n");
            assertThat(get(port, "/readyz").statusCode()).isEqualTo(200);
            assertThat(get(port, "/metrics").body()).isEqualTo("armada_up 1\n");
            System.out.println(
                    "/healthz under " + SLOW_CONNECTIONS + " slow-header connections: " + healthMillis + " ms");
            assertThat(healthMillis).isLessThan(1_000);

            // the server hangs up on each slow client once the request timeout has passed
            await().atMost(Duration.ofMillis(SHORT_TIMEOUT.requestTimeoutMillis() + 3_000))
                    .until(() -> closedByServer.get() == SLOW_CONNECTIONS);
        } finally {
            for (Socket socket : slow) {
                socket.close();
            }
            tricklers.shutdownNow();
            assertThat(tricklers.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void oversizedHeadersAreRefusedAndConnectionsBeyondTheCapAreClosed() throws Exception {
        OpsHttpServer.Limits twoConnections = OpsHttpServer.Limits.defaults().withMaxConnections(2);
        try (OpsHttpServer server = new OpsHttpServer(
                        new HostPort("127.0.0.1", 0), () -> "", () -> true, Failpoints.disabled(), twoConnections);
                Socket first = new Socket("127.0.0.1", server.port());
                Socket second = new Socket("127.0.0.1", server.port());
                Socket third = new Socket("127.0.0.1", server.port())) {
            third.setSoTimeout(5_000);
            assertThat(third.getInputStream().read())
                    .as("the connection over the cap is closed")
                    .isEqualTo(-1);

            String huge = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(16 << 10) + "\r\n\r\n";
            first.getOutputStream().write(huge.getBytes(StandardCharsets.US_ASCII));
            first.setSoTimeout(5_000);
            String answer = new String(first.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(answer).startsWith("HTTP/1.1 431").contains("request headers over 8192 bytes");
        }
    }

    /** Sends a request line a byte at a time until the server closes the connection or 20 s pass. */
    private static void trickle(Socket socket, AtomicInteger closedByServer) {
        byte[] request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ".getBytes(StandardCharsets.US_ASCII);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        try {
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            socket.setSoTimeout((int) TRICKLE_INTERVAL.toMillis());
            for (int i = 0; System.nanoTime() < deadline; i++) {
                out.write(request[Math.min(i, request.length - 1)]);
                out.flush();
                try {
                    if (in.read() < 0) {
                        closedByServer.incrementAndGet();
                        return;
                    }
                } catch (java.net.SocketTimeoutException stillOpen) {
                    // no answer yet: send the next byte
                }
            }
        } catch (IOException e) {
            // a reset while writing: the server closed the connection
            if (!socket.isClosed()) {
                closedByServer.incrementAndGet();
            }
        }
    }
}
