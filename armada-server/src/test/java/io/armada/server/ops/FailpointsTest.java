package io.armada.server.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.armada.raft.log.FsyncDelay;
import io.armada.raft.log.LogStore;
import io.armada.raft.log.LogStoreOptions;
import io.armada.server.config.HostPort;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The failpoint endpoint exists only with ARMADA_FAILPOINTS=enabled, and then slows synced log writes. */
class FailpointsTest {
    private static final String PATH = Failpoints.PATH_PREFIX + Failpoints.LOG_FSYNC_DELAY;

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> send(int port, String method, String path, String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .method(
                                method,
                                body == null
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static OpsHttpServer ops(Failpoints failpoints) {
        return new OpsHttpServer(new HostPort("127.0.0.1", 0), () -> "", () -> true, failpoints);
    }

    @Test
    void withoutTheVariableThereIsNoFailpointToSet() throws Exception {
        FsyncDelay delay = new FsyncDelay();
        Failpoints failpoints = Failpoints.fromEnvironment(Map.of("ARMADA_FAILPOINTS", "yes please"), delay);
        assertThat(failpoints.enabled()).isFalse();
        try (OpsHttpServer server = ops(failpoints)) {
            assertThat(send(server.port(), "GET", PATH, null).statusCode()).isEqualTo(404);
            assertThat(send(server.port(), "PUT", PATH, "500").statusCode()).isEqualTo(404);
            assertThat(send(server.port(), "GET", "/healthz", null).statusCode())
                    .isEqualTo(200);
        }
        assertThat(delay.millis()).isZero();
    }

    @Test
    void withTheVariableTheDelayIsSetReadAndApplied() throws Exception {
        try (LogStore store = LogStore.open(dir, LogStoreOptions.defaults(), e -> {
                    throw new AssertionError("fatal", e);
                });
                OpsHttpServer server =
                        ops(Failpoints.fromEnvironment(Map.of("ARMADA_FAILPOINTS", "enabled"), store.fsyncDelay()))) {
            int port = server.port();
            assertThat(send(port, "GET", PATH, null).body()).isEqualTo("0\n");
            HttpResponse<String> put = send(port, "PUT", PATH, "300\n");
            assertThat(put.statusCode()).isEqualTo(200);
            assertThat(put.body()).isEqualTo("300\n");
            assertThat(send(port, "GET", PATH, null).body()).isEqualTo("300\n");
            assertThat(store.fsyncDelay().millis()).isEqualTo(300);

            long start = System.nanoTime();
            store.write(store.batch().append(1, 1, 1, new byte[] {1}), true);
            // a lower bound only: the synced write waited at least the delay
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(300_000_000L);

            assertThat(send(port, "PUT", PATH, "slow").statusCode()).isEqualTo(400);
            assertThat(send(port, "PUT", PATH, "-5").statusCode()).isEqualTo(400);
            assertThat(send(port, "PUT", PATH, "1".repeat(OpsHttpServer.MAX_FAILPOINT_BODY_BYTES + 1))
                            .statusCode())
                    .isEqualTo(413);
            assertThat(send(port, "PUT", Failpoints.PATH_PREFIX + "no-such-failpoint", "1")
                            .statusCode())
                    .isEqualTo(404);
            assertThat(send(port, "DELETE", PATH, null).statusCode()).isEqualTo(405);
            assertThat(store.fsyncDelay().millis())
                    .as("refused values change nothing")
                    .isEqualTo(300);
            assertThat(send(port, "PUT", PATH, "0").statusCode()).isEqualTo(200);
            assertThat(store.fsyncDelay().millis()).isZero();
        }
    }
}
