package io.armada.server.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.armada.client.ArmadaClient;
import io.armada.client.ArmadaException;
import io.armada.server.config.ServerConfig;
import io.armada.server.dev.DevCluster;
import io.armada.server.dev.FreePorts;
import io.armada.server.ops.Failpoints;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A write that outlives its client's deadline: the server answers just before that deadline with
 * what it knows, instead of the transport cancelling the call under it. Through a follower cluster
 * whose replication is slow (its log fsync delayed) the write committed in the leader cluster and
 * the client learns the revision; on a leader cluster whose log fsync is delayed the client learns
 * that the write may or may not have been applied.
 */
class WriteOutcomeAtDeadlineTest {
    private static final Map<String, String> FAILPOINTS = Map.of(Failpoints.ENVIRONMENT_VARIABLE, "enabled");
    private static final Duration CLIENT_DEADLINE = Duration.ofSeconds(1);

    @TempDir
    Path data;

    private NodeProcess leaderNode;
    private NodeProcess followerNode;

    @AfterEach
    void stop() throws InterruptedException {
        if (followerNode != null) {
            followerNode.close();
        }
        if (leaderNode != null) {
            leaderNode.close();
        }
    }

    @Test
    void aWriteThatOutlivesItsDeadlineReachesTheClientWithWhatTheServerKnows() throws Exception {
        ServerConfig leaderConfig = DevCluster.configs(
                        data.resolve("leader"), 1, FreePorts.basePort(1), ServerConfig.RaftSettings.defaults())
                .getFirst();
        leaderNode = new NodeProcess(leaderConfig, data.resolve("leader"), FAILPOINTS);
        leaderNode.start(Duration.ofSeconds(60));
        ServerConfig followerConfig = DevCluster.configs(
                        data.resolve("follower"), 1, FreePorts.basePort(1), ServerConfig.RaftSettings.defaults())
                .getFirst()
                .asFollowerClusterOf(new ServerConfig.LeaderCluster(
                        List.of(leaderConfig.self().clientAddress()), null, null, null));
        followerNode = new NodeProcess(followerConfig, data.resolve("follower"), FAILPOINTS);
        followerNode.start(Duration.ofSeconds(60));
        try (ArmadaClient leader = new ArmadaClient(
                        List.of(leaderConfig.self().clientAddress().toString()), CLIENT_DEADLINE);
                ArmadaClient follower = new ArmadaClient(
                        List.of(followerConfig.self().clientAddress().toString()), CLIENT_DEADLINE)) {
            try (ArmadaClient setup =
                    new ArmadaClient(List.of(leaderConfig.self().clientAddress().toString()), Duration.ofSeconds(20))) {
                await().atMost(Duration.ofSeconds(30))
                        .ignoreExceptions()
                        .until(() -> setup.createTable("orders") != null);
            }
            await().atMost(Duration.ofSeconds(30))
                    .ignoreExceptions()
                    .until(() -> follower.put("orders", "warm".getBytes(), "up".getBytes()) > 0);

            followerNode.setFailpoint(Failpoints.LOG_FSYNC_DELAY, "3000");
            assertThatThrownBy(() -> follower.put("orders", "through-follower".getBytes(), "v".getBytes()))
                    .isInstanceOfSatisfying(ArmadaException.class, e -> {
                        assertThat(e.code()).isEqualTo(ArmadaException.Code.DEADLINE_EXCEEDED);
                        assertThat(e.getMessage()).contains("committed at revision");
                    });
            assertThat(leader.get("orders", "through-follower".getBytes(), true))
                    .as("it did commit")
                    .isPresent();
            followerNode.setFailpoint(Failpoints.LOG_FSYNC_DELAY, "0");

            leaderNode.setFailpoint(Failpoints.LOG_FSYNC_DELAY, "3000");
            assertThatThrownBy(() -> leader.put("orders", "slow-leader".getBytes(), "v".getBytes()))
                    .isInstanceOfSatisfying(ArmadaException.class, e -> {
                        assertThat(e.code()).isEqualTo(ArmadaException.Code.DEADLINE_EXCEEDED);
                        assertThat(e.getMessage()).contains("may or may not have been applied");
                    });
            leaderNode.setFailpoint(Failpoints.LOG_FSYNC_DELAY, "0");
        }
    }
}
