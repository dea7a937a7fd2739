package io.armada.server.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.armada.api.v1.KVGrpc;
import io.armada.api.v1.PutRequest;
import io.armada.api.v1.RangeRequest;
import io.armada.client.ArmadaClient;
import io.armada.server.config.HostPort;
import io.armada.server.config.ServerConfig;
import io.armada.server.dev.DevCluster;
import io.armada.server.dev.FreePorts;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A leader-cluster node frozen (SIGSTOP) while a follower cluster uses it: a frozen node answers
 * nothing, not even UNAVAILABLE, so only deadlines reveal it. The follower must move to a live
 * leader-cluster node within about an election timeout: writes through the follower succeed again
 * and replication resumes long before the node thaws.
 */
class LeaderClusterNodePauseTest {
    /** Election timeout 500 ms, the link's probe 250 + 500 ms, and slack for two loaded cores. */
    private static final Duration STALL_BOUND = Duration.ofSeconds(3);
    /** Longer than the bound and than the old pull deadline (6 s), so a follower that waits it out fails. */
    private static final Duration PAUSE = Duration.ofSeconds(8);

    @TempDir
    Path data;

    private final List<NodeProcess> nodes = new ArrayList<>();
    private ManagedChannel followerChannel;

    @AfterEach
    void stop() throws Exception {
        if (followerChannel != null) {
            followerChannel.shutdownNow();
        }
        for (NodeProcess n : nodes) {
            n.resume();
            n.close();
        }
    }

    @Test
    void aFollowerClusterMovesOffAFrozenLeaderNodeWithinTheBound() throws Exception {
        List<ServerConfig> leaderConfigs = DevCluster.configs(
                data.resolve("leader"), 3, FreePorts.basePort(3), ServerConfig.RaftSettings.defaults());
        for (ServerConfig c : leaderConfigs) {
            NodeProcess n = new NodeProcess(c, data.resolve("leader"));
            nodes.add(n);
            n.start(Duration.ofSeconds(60));
        }
        ServerConfig followerConfig = DevCluster.configs(
                        data.resolve("follower"), 1, FreePorts.basePort(1), ServerConfig.RaftSettings.defaults())
                .getFirst()
                .asFollowerClusterOf(new ServerConfig.LeaderCluster(
                        leaderConfigs.stream()
                                .map(l -> l.self().clientAddress())
                                .toList(),
                        null,
                        null,
                        null));
        NodeProcess follower = new NodeProcess(followerConfig, data.resolve("follower"));
        nodes.add(follower);
        HostPort a = followerConfig.self().clientAddress();
        followerChannel = NettyChannelBuilder.forAddress(a.host(), a.port())
                .usePlaintext()
                .build();
        try (ArmadaClient leader = new ArmadaClient(
                leaderConfigs.stream()
                        .map(c -> c.self().clientAddress().toString())
                        .toList(),
                Duration.ofSeconds(20))) {
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> leader.createTable("orders") != null);
            leader.put("orders", key("before"), "v".getBytes());
            follower.start(Duration.ofSeconds(60));
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> readOnFollower("before"));
            await().atMost(Duration.ofSeconds(30))
                    .ignoreExceptions()
                    .until(() -> writeThroughFollower("warm-up", 5_000));

            NodeProcess frozen = nodes.get(endpointInUse(follower, leaderConfigs));
            frozen.pause();
            long paused = System.nanoTime();
            // writes through the follower: each attempt bounded like a client's; the first that succeeds ends the stall
            int attempt = 0;
            while (!writeThroughFollower("during-" + attempt++, 1_000)) {
                assertThat(Duration.ofNanos(System.nanoTime() - paused))
                        .as("follower writes stalled")
                        .isLessThan(PAUSE);
            }
            Duration writeStall = Duration.ofNanos(System.nanoTime() - paused);

            // replication: a write to the live leader-cluster nodes reaches the follower within the bound
            long written = System.nanoTime();
            try (ArmadaClient live = new ArmadaClient(
                    leaderConfigs.stream()
                            .filter(c -> c != frozen.config())
                            .map(c -> c.self().clientAddress().toString())
                            .toList(),
                    Duration.ofSeconds(20))) {
                await().atMost(Duration.ofSeconds(5))
                        .ignoreExceptions()
                        .until(() -> live.put("orders", key("live"), "v".getBytes()) > 0);
            }
            Duration leaderWrite = Duration.ofNanos(System.nanoTime() - written);
            await().atMost(PAUSE)
                    .pollInterval(Duration.ofMillis(20))
                    .ignoreExceptions()
                    .until(() -> readOnFollower("live"));
            Duration replicationStall = Duration.ofNanos(System.nanoTime() - paused);
            System.out.printf(
                    "pause-leader-cluster-node: follower write stall %d ms, leader write %d ms, replication stall %d ms%n",
                    writeStall.toMillis(), leaderWrite.toMillis(), replicationStall.toMillis());
            assertThat(writeStall)
                    .as("time until a write through the follower succeeded")
                    .isLessThan(STALL_BOUND);
            assertThat(replicationStall)
                    .as("time until the follower served a write made after the freeze")
                    .isLessThan(STALL_BOUND.plus(leaderWrite));
            frozen.resume();
        }
    }

    /** The leader-cluster node (0-based) the follower's link uses: the first listed, or the last it logged moving to. */
    private static int endpointInUse(NodeProcess follower, List<ServerConfig> leaderConfigs) {
        String log = follower.stdout();
        int at = log.lastIndexOf("now using ");
        if (at < 0) {
            return 0;
        }
        String endpoint = log.substring(at + "now using ".length())
                .lines()
                .findFirst()
                .orElseThrow()
                .trim()
                .split("\\s+")[0];
        for (int i = 0; i < leaderConfigs.size(); i++) {
            if (leaderConfigs.get(i).self().clientAddress().toString().equals(endpoint)) {
                return i;
            }
        }
        throw new AssertionError("the follower logged an unknown endpoint " + endpoint);
    }

    private boolean writeThroughFollower(String k, long deadlineMillis) {
        try {
            KVGrpc.newBlockingStub(followerChannel)
                    .withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS)
                    .put(PutRequest.newBuilder()
                            .setTable("orders")
                            .setKey(ByteString.copyFrom(key(k)))
                            .setValue(ByteString.copyFromUtf8("via follower"))
                            .build());
            return true;
        } catch (StatusRuntimeException e) {
            return false;
        }
    }

    private boolean readOnFollower(String k) {
        return KVGrpc.newBlockingStub(followerChannel)
                        .withDeadlineAfter(2, TimeUnit.SECONDS)
                        .range(RangeRequest.newBuilder()
                                .setTable("orders")
                                .setKey(ByteString.copyFrom(key(k)))
                                .build())
                        .getKvsCount()
                == 1;
    }

    private static byte[] key(String k) {
        return ("key-" + k).getBytes();
    }
}
