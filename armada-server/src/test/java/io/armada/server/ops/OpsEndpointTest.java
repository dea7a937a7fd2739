package io.armada.server.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.armada.api.v1.CreateTableRequest;
import io.armada.api.v1.KVGrpc;
import io.armada.api.v1.PutRequest;
import io.armada.api.v1.TablesGrpc;
import io.armada.server.dev.DevCluster;
import io.armada.server.dev.FreePorts;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /metrics, /healthz and /readyz of a running node, with the meters the operations surface promises. */
class OpsEndpointTest {
    @TempDir
    Path data;

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void metricsHealthAndReadinessAreServed() throws Exception {
        int base = FreePorts.basePort(3);
        try (DevCluster cluster = DevCluster.start(data, 3, base, e -> {
            throw new AssertionError("fatal storage error", e);
        })) {
            int ops = cluster.servers().getFirst().opsPort();
            assertThat(ops).isEqualTo(base + DevCluster.METRICS_PORT_OFFSET + 1);
            assertThat(get(ops, "/healthz").statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> get(ops, "/readyz").statusCode() == 200);
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", base + 1)
                    .usePlaintext()
                    .build();
            try {
                TablesGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(20, TimeUnit.SECONDS)
                        .create(CreateTableRequest.newBuilder()
                                .setName("metered")
                                .build());
                KVGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(20, TimeUnit.SECONDS)
                        .put(PutRequest.newBuilder()
                                .setTable("metered")
                                .setKey(ByteString.copyFromUtf8("k"))
                                .setValue(ByteString.copyFromUtf8("v"))
                                .build());
            } finally {
                channel.shutdownNow();
            }
            // a gauge Micrometer holds only weakly would read NaN once collected
            System.gc();
            HttpResponse<String> metrics = get(ops, "/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
            assertThat(metrics.body())
                    .contains(
                            "armada_grpc_requests_total{cluster=\"armada-dev\",code=\"OK\",forwarded=\"false\",method=\"armada.v1.KV/Put\",node=\"1\"} 1.0")
                    .contains("armada_grpc_request_seconds_bucket")
                    .contains("armada_table_applied_revision{cluster=\"armada-dev\",node=\"1\",table=\"metered\"}")
                    .contains("armada_table_leader{")
                    .contains("armada_raft_fsync_total")
                    // nothing is arriving once the Put is answered
                    .contains("armada_grpc_unfinished_request_bytes{cluster=\"armada-dev\",node=\"1\"} 0.0")
                    .contains("armada_grpc_streams_open{cluster=\"armada-dev\",node=\"1\"} 0.0")
                    .contains("armada_raft_entries_per_fsync")
                    .contains("armada_raft_heartbeats_coalesced_total");
            assertThat(get(ops, "/nope").statusCode()).isEqualTo(404);
            assertThat(http.send(
                                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ops + "/metrics"))
                                            .POST(HttpRequest.BodyPublishers.noBody())
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .statusCode())
                    .isEqualTo(405);
        }
    }
}
