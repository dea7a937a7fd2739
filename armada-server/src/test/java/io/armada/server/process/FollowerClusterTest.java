package io.armada.server.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.armada.api.v1.ClusterGrpc;
import io.armada.api.v1.ClusterRole;
import io.armada.api.v1.HashRequest;
import io.armada.api.v1.KVGrpc;
import io.armada.api.v1.KeyValue;
import io.armada.api.v1.MaintenanceGrpc;
import io.armada.api.v1.PutRequest;
import io.armada.api.v1.RangeRequest;
import io.armada.api.v1.StatusRequest;
import io.armada.client.ArmadaClient;
import io.armada.client.KeyRecord;
import io.armada.server.config.HostPort;
import io.armada.server.config.ServerConfig;
import io.armada.server.dev.DevCluster;
import io.armada.server.dev.FreePorts;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A leader cluster and a follower cluster of three node processes each, on 127.0.0.1: the
 * follower attaches after the leader compacted its log (snapshot path), then streams; reads on
 * the follower are local and carry the leader cluster's revisions; writes through it are forwarded and
 * readable there at once; a follower-cluster node killed and restarted resumes without gaps or duplicates,
 * and so does the table after its follower-cluster group's leader is killed in the middle of a stream;
 * with the whole leader cluster down follower reads go on and writes fail fast, and after the
 * leader cluster returns replication resumes.
 */
class FollowerClusterTest {
    @TempDir
    Path data;

    private final List<NodeProcess> leaders = new ArrayList<>();
    private final List<NodeProcess> followers = new ArrayList<>();
    private final List<ManagedChannel> followerChannels = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        followerChannels.forEach(ManagedChannel::shutdownNow);
        for (NodeProcess n : followers) {
            n.close();
        }
        for (NodeProcess n : leaders) {
            n.close();
        }
    }

    @Test
    void aFollowerClusterReplicatesEveryTableAndServesReadsAndWrites() throws Exception {
        // a leader cluster that snapshots every 200 entries, so its log is compacted early
        List<ServerConfig> leaderConfigs = DevCluster.configs(
                data.resolve("leader"), 3, FreePorts.basePort(3), new ServerConfig.RaftSettings(50, 10, 1, 2, 200));
        for (ServerConfig c : leaderConfigs) {
            NodeProcess n = new NodeProcess(c, data.resolve("leader"));
            leaders.add(n);
            n.start(Duration.ofSeconds(60));
        }
        List<String> leaderEndpoints = leaderConfigs.stream()
                .map(c -> c.self().clientAddress().toString())
                .toList();
        try (ArmadaClient leader = new ArmadaClient(leaderEndpoints, Duration.ofSeconds(20))) {
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> leader.createTable("orders") != null);
            writeConcurrently(leader, 10_000, i -> key(i % 150), i -> "v" + i);
            leader.delete("orders", key(3), null);

            // the follower cluster attaches now: its start lies in the compacted part of the leader's log
            List<ServerConfig> followerConfigs = DevCluster.configs(
                            data.resolve("follower"), 3, FreePorts.basePort(3), ServerConfig.RaftSettings.defaults())
                    .stream()
                    .map(c -> c.asFollowerClusterOf(new ServerConfig.LeaderCluster(
                            leaderConfigs.stream()
                                    .map(l -> l.self().clientAddress())
                                    .toList(),
                            null,
                            null,
                            null)))
                    .toList();
            for (ServerConfig c : followerConfigs) {
                NodeProcess n = new NodeProcess(c, data.resolve("follower"));
                followers.add(n);
                n.start(Duration.ofSeconds(60));
                HostPort a = c.self().clientAddress();
                followerChannels.add(NettyChannelBuilder.forAddress(a.host(), a.port())
                        .usePlaintext()
                        .build());
            }
            awaitFollowersEqualLeader(leader);
            assertThat(followers).anySatisfy(f -> assertThat(f.stdout()).contains("leader-cluster snapshot at index"));
            assertThat(ClusterGrpc.newBlockingStub(followerChannels.get(0))
                            .withDeadlineAfter(10, TimeUnit.SECONDS)
                            .status(StatusRequest.getDefaultInstance())
                            .getClusterRole())
                    .isEqualTo(ClusterRole.FOLLOWER_CLUSTER);

            // streaming: new writes arrive with the leader cluster's revisions
            for (int i = 0; i < 50; i++) {
                leader.put("orders", key(200 + i), "streamed".getBytes());
            }
            leader.createTable("invoices");
            long invoice = leader.put("invoices", key(1), "paid".getBytes());
            awaitFollowersEqualLeader(leader);

            // read-your-writes across clusters: min_revision waits until the follower applied the write
            long late = leader.put("invoices", key(2), "late".getBytes());
            RangeResponseView seen = read(0, "invoices", key(2), late);
            assertThat(seen.kvs())
                    .singleElement()
                    .satisfies(kv -> assertThat(kv.getModRevision()).isEqualTo(late));
            assertThat(invoice).isLessThan(late);

            // writes through every follower-cluster node: forwarded, and readable on that node right after the reply
            for (int node = 0; node < 3; node++) {
                long revision = KVGrpc.newBlockingStub(followerChannels.get(node))
                        .withDeadlineAfter(20, TimeUnit.SECONDS)
                        .put(PutRequest.newBuilder()
                                .setTable("orders")
                                .setKey(ByteString.copyFrom(key(500 + node)))
                                .setValue(ByteString.copyFromUtf8("via follower " + node))
                                .build())
                        .getHeader()
                        .getRevision();
                assertThat(read(node, "orders", key(500 + node), 0).kvs())
                        .singleElement()
                        .satisfies(kv -> assertThat(kv.getModRevision()).isEqualTo(revision));
            }

            // a follower-cluster node killed while the leader keeps writing resumes with no gap and no duplicate
            followers.get(1).kill();
            for (int i = 0; i < 100; i++) {
                leader.put("orders", key(i), ("after kill " + i).getBytes());
            }
            followers.get(1).start(Duration.ofSeconds(60));
            awaitFollowersEqualLeader(leader);

            // the follower-cluster group's leader (where the table's replicator runs) killed while the leader
            // cluster streams writes: replication moves to the new group leader, nothing lost or doubled
            int replicating = groupLeader(0, "orders");
            var streaming = java.util.concurrent.CompletableFuture.runAsync(
                    () -> writeConcurrently(leader, 3_000, i -> key(1_000 + i % 500), i -> "mid-stream " + i));
            await().atMost(Duration.ofSeconds(60))
                    .ignoreExceptions()
                    .until(() -> read((replicating + 1) % 3, "orders", key(1_000), 0)
                                    .kvs()
                                    .size()
                            == 1);
            assertThat(streaming).isNotDone();
            followers.get(replicating).kill();
            int survivor = (replicating + 1) % 3;
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
                int l = groupLeader(survivor, "orders");
                return l >= 0 && l != replicating;
            });
            streaming.get(120, TimeUnit.SECONDS);
            awaitFollowersEqualLeader(leader, java.util.Set.of(replicating));
            followers.get(replicating).start(Duration.ofSeconds(60));
            awaitFollowersEqualLeader(leader);

            // the whole leader cluster down: follower reads go on, writes fail fast
            for (NodeProcess n : leaders) {
                n.kill();
            }
            assertThat(read(2, "orders", key(7), 0).kvs()).hasSize(1);
            long started = System.nanoTime();
            assertThatThrownBy(() -> KVGrpc.newBlockingStub(followerChannels.get(2))
                            .withDeadlineAfter(20, TimeUnit.SECONDS)
                            .put(PutRequest.newBuilder()
                                    .setTable("orders")
                                    .setKey(ByteString.copyFrom(key(9)))
                                    .setValue(ByteString.copyFromUtf8("x"))
                                    .build()))
                    .satisfies(
                            e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.UNAVAILABLE))
                    .satisfies(e ->
                            assertThat(Status.fromThrowable(e).getDescription()).contains("leader cluster"));
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));

            // the leader cluster returns: writes resume and reach the follower cluster
            for (NodeProcess n : leaders) {
                n.start(Duration.ofSeconds(60));
            }
            await().atMost(Duration.ofSeconds(30))
                    .ignoreExceptions()
                    .until(() -> leader.put("orders", key(600), "back".getBytes()) > 0);
            awaitFollowersEqualLeader(leader);
        }
    }

    /** {@code count} puts into "orders" from 8 threads; key and value of the i-th from the functions. */
    private static void writeConcurrently(
            ArmadaClient leader,
            int count,
            java.util.function.IntFunction<byte[]> key,
            java.util.function.IntFunction<String> value) {
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        try (var threads = java.util.concurrent.Executors.newFixedThreadPool(8)) {
            List<java.util.concurrent.Future<?>> writers = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                writers.add(threads.submit(() -> {
                    for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                        leader.put("orders", key.apply(i), value.apply(i).getBytes());
                    }
                }));
            }
            for (var w : writers) {
                w.get(); // a failed put fails the test
            }
        } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
            throw new AssertionError("writers failed", e);
        }
    }

    /** The follower-cluster node (0-based) that node {@code asking} sees leading the table's group, or -1. */
    private int groupLeader(int asking, String table) {
        var status = ClusterGrpc.newBlockingStub(followerChannels.get(asking))
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .status(StatusRequest.getDefaultInstance());
        return status.getTablesList().stream()
                .filter(t -> t.getTable().getName().equals(table))
                .mapToInt(t -> (int) t.getTable().getStatus().getLeaderId() - 1)
                .findFirst()
                .orElse(-1);
    }

    private static byte[] key(int i) {
        return String.format("key-%04d", i).getBytes();
    }

    private record RangeResponseView(List<KeyValue> kvs, long revision) {}

    private RangeResponseView read(int node, String table, byte[] key, long minRevision) {
        var r = KVGrpc.newBlockingStub(followerChannels.get(node))
                .withDeadlineAfter(20, TimeUnit.SECONDS)
                .range(RangeRequest.newBuilder()
                        .setTable(table)
                        .setKey(ByteString.copyFrom(key))
                        .setMinRevision(minRevision)
                        .build());
        return new RangeResponseView(r.getKvsList(), r.getHeader().getRevision());
    }

    private void awaitFollowersEqualLeader(ArmadaClient leader) {
        awaitFollowersEqualLeader(leader, java.util.Set.of());
    }

    /**
     * Every follower-cluster node but {@code down} holds exactly the leader's keys, values and revisions, in
     * every table, and its table digest equals every leader-cluster node's.
     */
    private void awaitFollowersEqualLeader(ArmadaClient leader, java.util.Set<Integer> down) {
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
            for (var t : leader.listTables()) {
                List<KeyRecord> expected = leader.range(t.name(), new byte[] {0}, new byte[] {0}, 0, true)
                        .kvs();
                List<String> digests = new ArrayList<>();
                for (var d : leader.hashOfEach(t.name())) {
                    digests.add(d.orElseThrow().sha256());
                }
                for (int node = 0; node < followerChannels.size(); node++) {
                    if (down.contains(node)) {
                        continue;
                    }
                    digests.add(HexFormat.of()
                            .formatHex(MaintenanceGrpc.newBlockingStub(followerChannels.get(node))
                                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                                    .hash(HashRequest.newBuilder()
                                            .setTable(t.name())
                                            .build())
                                    .getSha256()
                                    .toByteArray()));
                    var r = KVGrpc.newBlockingStub(followerChannels.get(node))
                            .withDeadlineAfter(10, TimeUnit.SECONDS)
                            .range(RangeRequest.newBuilder()
                                    .setTable(t.name())
                                    .setKey(ByteString.copyFrom(new byte[] {0}))
                                    .setRangeEnd(ByteString.copyFrom(new byte[] {0}))
                                    .build());
                    assertThat(r.getKvsList())
                            .as("table %s on follower-cluster node %d", t.name(), node + 1)
                            .map(kv -> String.join(
                                    "|",
                                    kv.getKey().toStringUtf8(),
                                    kv.getValue().toStringUtf8(),
                                    Long.toString(kv.getCreateRevision()),
                                    Long.toString(kv.getModRevision()),
                                    Long.toString(kv.getVersion())))
                            .containsExactlyElementsOf(expected.stream()
                                    .map(kv -> String.join(
                                            "|",
                                            new String(kv.key()),
                                            new String(kv.value()),
                                            Long.toString(kv.createRevision()),
                                            Long.toString(kv.modRevision()),
                                            Long.toString(kv.version())))
                                    .toList());
                }
                assertThat(digests)
                        .as("digests of table %s on every leader and follower-cluster node", t.name())
                        .containsOnly(digests.getFirst());
            }
        });
    }
}
