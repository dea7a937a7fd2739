package io.armada.server.dev;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.armada.api.v1.CreateTableRequest;
import io.armada.api.v1.KVGrpc;
import io.armada.api.v1.PutRequest;
import io.armada.api.v1.StatusResponse;
import io.armada.api.v1.TableGroupStatus;
import io.armada.api.v1.TablesGrpc;
import io.armada.client.ArmadaClient;
import io.armada.client.TableDigest;
import io.armada.server.ArmadaServer;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code armada dev}'s topology: a leader cluster and a follower cluster in one process, on the
 * documented ports; the follower cluster serves the leader's table with equal digests, and every
 * follower-cluster node reports its lag in status and metrics.
 */
class DevTopologyTest {
    @TempDir
    Path data;

    @Test
    void aLeaderAndAFollowerClusterOnTheDocumentedPorts() throws Exception {
        int base = FreePorts.basePort(3, 2);
        try (DevTopology topology = DevTopology.start(data, 3, 1, base, e -> {
            throw new AssertionError("fatal storage error", e);
        })) {
            assertThat(topology.clusters())
                    .extracting(DevTopology.Member::name)
                    .containsExactly("armada-dev", "armada-dev-follower-1");
            assertThat(topology.clusters().get(1).cluster().endpoints())
                    .isEqualTo("127.0.0.1:%d,127.0.0.1:%d,127.0.0.1:%d".formatted(base + 101, base + 102, base + 103));
            assertThat(topology.awaitReady(60_000)).isTrue();

            try (ArmadaClient leader = client(topology, 0);
                    ArmadaClient follower = client(topology, 1)) {
                await().atMost(Duration.ofSeconds(30))
                        .ignoreExceptions()
                        .until(() -> leader.createTable("dev") != null);
                long last = 0;
                for (int i = 0; i < 20; i++) {
                    last = leader.put("dev", ("k" + i).getBytes(), ("v" + i).getBytes());
                }
                long written = last;
                await().atMost(Duration.ofSeconds(30))
                        .ignoreExceptions()
                        .untilAsserted(() -> assertThat(follower.get("dev", "k19".getBytes(), false))
                                .hasValueSatisfying(
                                        kv -> assertThat(kv.modRevision()).isEqualTo(written)));

                // every node of both clusters holds the same table at the same revision
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    List<Optional<TableDigest>> digests = new java.util.ArrayList<>(leader.hashOfEach("dev"));
                    digests.addAll(follower.hashOfEach("dev"));
                    assertThat(digests).allSatisfy(d -> assertThat(d).isPresent());
                    assertThat(digests.stream().map(d -> d.get().revision()).distinct())
                            .containsExactly(written);
                    assertThat(digests.stream().map(d -> d.get().sha256()).distinct())
                            .hasSize(1);
                });

                // every follower-cluster node, not only the one replicating, knows the leader cluster's revision and
                // its lag
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    for (Optional<StatusResponse> s : follower.statusOfEach()) {
                        TableGroupStatus dev = s.orElseThrow().getTablesList().stream()
                                .filter(t -> t.getTable().getName().equals("dev"))
                                .findFirst()
                                .orElseThrow();
                        assertThat(dev.getTable().getStatus().getLeaderRevision())
                                .isEqualTo(written);
                        assertThat(dev.getTable().getStatus().getLagRevisions()).isZero();
                        assertThat(dev.getTable().getStatus().getOutOfSyncMillis())
                                .isZero();
                    }
                });
                for (int node = 0; node < 3; node++) {
                    String metrics = metrics(topology.clusters()
                            .get(1)
                            .cluster()
                            .servers()
                            .get(node)
                            .opsPort());
                    String tags = "{cluster=\"armada-dev-follower-1\",node=\"%d\",table=\"dev\"}".formatted(node + 1);
                    assertThat(metrics)
                            .contains("armada_replication_leader_cluster_revision" + tags + " " + written + ".0")
                            .contains("armada_replication_lag_revisions" + tags + " 0.0")
                            .contains("armada_replication_out_of_sync_seconds" + tags + " 0.0");
                }
                assertThat(metrics(topology.clusters()
                                .get(0)
                                .cluster()
                                .servers()
                                .get(0)
                                .opsPort()))
                        .doesNotContain("armada_replication_lag_revisions{");
                assertThat(follower.hashOfEach("missing"))
                        .allSatisfy(d -> assertThat(d).isEmpty());
            }
            theFollowerClustersAnswerToAWriteCarriesItsOwnHeader(topology, base);
        }
    }

    /**
     * A write sent to a follower cluster commits in the leader cluster, and its answer carries the
     * header of the member the client called: this cluster's id and member, never the leader cluster's.
     */
    private static void theFollowerClustersAnswerToAWriteCarriesItsOwnHeader(DevTopology topology, int base) {
        ArmadaServer followerNode =
                topology.clusters().get(1).cluster().servers().get(1);
        ArmadaServer leaderNode = topology.clusters().get(0).cluster().servers().get(0);
        assertThat(followerNode.node().config().clusterId())
                .isNotEqualTo(leaderNode.node().config().clusterId());
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", base + 102)
                .usePlaintext()
                .build();
        try {
            var put = KVGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(20, TimeUnit.SECONDS)
                    .put(PutRequest.newBuilder()
                            .setTable("dev")
                            .setKey(ByteString.copyFromUtf8("via-follower"))
                            .setValue(ByteString.copyFromUtf8("v"))
                            .build());
            assertThat(put.getHeader().getClusterId())
                    .isEqualTo(followerNode.node().config().clusterId());
            assertThat(put.getHeader().getMemberId()).isEqualTo(2);
            assertThat(put.getHeader().getRevision()).isPositive();
            var created = TablesGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(20, TimeUnit.SECONDS)
                    .create(CreateTableRequest.newBuilder()
                            .setName("made-via-follower")
                            .build());
            assertThat(created.getHeader().getClusterId())
                    .isEqualTo(followerNode.node().config().clusterId());
            assertThat(created.getHeader().getMemberId()).isEqualTo(2);
            assertThat(created.getTable().getId()).isEqualTo(created.getHeader().getRevision());
        } finally {
            channel.shutdownNow();
        }
    }

    private static ArmadaClient client(DevTopology topology, int cluster) {
        return new ArmadaClient(
                List.of(topology.clusters().get(cluster).cluster().endpoints().split(",")), Duration.ofSeconds(20));
    }

    private static String metrics(int port) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }
}
