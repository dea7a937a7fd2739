package io.armada.server.dev;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.armada.api.v1.StatusResponse;
import io.armada.api.v1.TableGroupStatus;
import io.armada.client.ArmadaClient;
import io.armada.client.TableDigest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code armada dev}'s topology: a leader cluster and a follower cluster in one process, on the
 * documented ports; the follower cluster serves the leader's table with equal digests, and every
 * follower-cluster node reports its lag in status and metrics.
 */
class DevTopologyTest {
    @TempDir Path data;

    @Test
    void aLeaderAndAFollowerClusterOnTheDocumentedPorts() throws Exception {
        int base = FreePorts.basePort(3, 2);
        try (DevTopology topology = DevTopology.start(data, 3, 1, base, e -> {
            throw new AssertionError("fatal storage error", e);
        })) {
            assertThat(topology.clusters()).extracting(DevTopology.Member::name)
                    .containsExactly("armada-dev", "armada-dev-follower-1");
            assertThat(topology.clusters().get(1).cluster().endpoints())
                    .isEqualTo("127.0.0.1:%d,127.0.0.1:%d,127.0.0.1:%d".formatted(base + 101, base + 102, base + 103));
            assertThat(topology.awaitReady(60_000)).isTrue();

            try (ArmadaClient leader = client(topology, 0); ArmadaClient follower = client(topology, 1)) {
                await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> leader.createTable("dev") != null);
                long last = 0;
                for (int i = 0; i < 20; i++) {
                    last = leader.put("dev", ("k" + i).getBytes(), ("v" + i).getBytes());
                }
                long written = last;
                await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> assertThat(
                        follower.get("dev", "k19".getBytes(), false)).hasValueSatisfying(kv ->
                        assertThat(kv.modRevision()).isEqualTo(written)));

                // every node of both clusters holds the same table at the same revision
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    List<Optional<TableDigest>> digests = new java.util.ArrayList<>(leader.hashOfEach("dev"));
                    digests.addAll(follower.hashOfEach("dev"));
                    assertThat(digests).allSatisfy(d -> assertThat(d).isPresent());
                    assertThat(digests.stream().map(d -> d.get().revision()).distinct()).containsExactly(written);
                    assertThat(digests.stream().map(d -> d.get().sha256()).distinct()).hasSize(1);
                });

                // every follower-cluster node, not only the one replicating, knows the leader cluster's revision and its lag
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    for (Optional<StatusResponse> s : follower.statusOfEach()) {
                        TableGroupStatus dev = s.orElseThrow().getTablesList().stream()
                                .filter(t -> t.getTable().getName().equals("dev")).findFirst().orElseThrow();
                        assertThat(dev.getTable().getStatus().getLeaderRevision()).isEqualTo(written);
                        assertThat(dev.getTable().getStatus().getLagRevisions()).isZero();
                        assertThat(dev.getTable().getStatus().getOutOfSyncMillis()).isZero();
                    }
                });
                for (int node = 0; node < 3; node++) {
                    String metrics = metrics(topology.clusters().get(1).cluster().servers().get(node).opsPort());
                    String tags = "{cluster=\"armada-dev-follower-1\",node=\"%d\",table=\"dev\"}".formatted(node + 1);
                    assertThat(metrics).contains("armada_replication_leader_cluster_revision" + tags + " " + written + ".0")
                            .contains("armada_replication_lag_revisions" + tags + " 0.0")
                            .contains("armada_replication_out_of_sync_seconds" + tags + " 0.0");
                }
                assertThat(metrics(topology.clusters().get(0).cluster().servers().get(0).opsPort()))
                        .doesNotContain("armada_replication_lag_revisions{");
                assertThat(follower.hashOfEach("missing")).allSatisfy(d -> assertThat(d).isEmpty());
            }
        }
    }

    private static ArmadaClient client(DevTopology topology, int cluster) {
        return new ArmadaClient(List.of(topology.clusters().get(cluster).cluster().endpoints().split(",")),
                Duration.ofSeconds(20));
    }

    private static String metrics(int port) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
    }
}
