package io.armada.server.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.armada.client.ArmadaClient;
import io.armada.client.ArmadaException;
import io.armada.client.TableDetails;
import io.armada.server.config.ServerConfig;
import io.armada.server.dev.DevCluster;
import io.armada.server.dev.FreePorts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A follower cluster detached while the leader cluster deletes one table, creates another and
 * compacts its catalog log reloads its catalog from the leader cluster's snapshot when it is back. That
 * load empties the follower's catalog first (SNAPSHOT_BEGIN): no table may be dropped or reopened
 * because of it. Only the table really deleted goes, the new one opens, and the table that stayed
 * keeps its group and data.
 */
class FollowerClusterCatalogReloadTest {
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
    void aCatalogLoadFromTheLeaderDropsOnlyTablesReallyGone() throws Exception {
        // the leader cluster snapshots (and compacts) every group every 20 entries
        ServerConfig leaderConfig = DevCluster.configs(
                        data.resolve("leader"),
                        1,
                        FreePorts.basePort(1),
                        new ServerConfig.RaftSettings(50, 10, 1, 2, 20))
                .getFirst();
        leaderNode = new NodeProcess(leaderConfig, data.resolve("leader"));
        leaderNode.start(Duration.ofSeconds(60));
        ServerConfig followerConfig = DevCluster.configs(
                        data.resolve("follower"), 1, FreePorts.basePort(1), ServerConfig.RaftSettings.defaults())
                .getFirst()
                .asFollowerClusterOf(new ServerConfig.LeaderCluster(
                        List.of(leaderConfig.self().clientAddress()), null, null, null));
        try (ArmadaClient leader = new ArmadaClient(
                        List.of(leaderConfig.self().clientAddress().toString()), Duration.ofSeconds(20));
                ArmadaClient follower = new ArmadaClient(
                        List.of(followerConfig.self().clientAddress().toString()), Duration.ofSeconds(20))) {
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> leader.createTable("kept") != null);
            leader.createTable("doomed");
            for (int i = 0; i < 30; i++) {
                leader.put("kept", key(i), ("kept " + i).getBytes());
                leader.put("doomed", key(i), ("doomed " + i).getBytes());
            }
            followerNode = new NodeProcess(followerConfig, data.resolve("follower"));
            followerNode.start(Duration.ofSeconds(60));
            awaitKeys(follower, "kept", 30);
            awaitKeys(follower, "doomed", 30);

            // detached (frozen) while the catalog changes and its log is compacted past the follower's position
            followerNode.pause();
            leader.deleteTable("doomed");
            leader.createTable("fresh");
            leader.put("fresh", key(1), "fresh".getBytes());
            for (int i = 0; i < 60; i++) { // each refused create is a catalog entry too
                assertThatThrownBy(() -> leader.createTable("kept")).isInstanceOf(ArmadaException.class);
            }
            leader.put("kept", key(30), "kept 30".getBytes());
            followerNode.resume();

            awaitKeys(follower, "fresh", 1);
            awaitKeys(follower, "kept", 31);
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(follower.listTables())
                            .extracting(TableDetails::name)
                            .containsExactlyInAnyOrder("fresh", "kept"));
            String log = followerNode.stdout();
            assertThat(log)
                    .as("the catalog was reloaded from the leader cluster's snapshot")
                    .containsPattern("table 1: leader-cluster snapshot at index \\d+ loaded");
            assertThat(log)
                    .as("the deleted table is dropped once the load ended")
                    .containsPattern("table doomed \\(\\d+\\) removed");
            assertThat(log)
                    .as("the table that stayed was never dropped")
                    .doesNotContainPattern("table kept \\(\\d+\\) removed");
            assertThat(log).as("nor reopened").containsOnlyOnce("table kept (");
            assertThat(log).doesNotContain("cannot open the group");
        }
    }

    private static void awaitKeys(ArmadaClient client, String table, int count) {
        await().atMost(Duration.ofSeconds(60))
                .ignoreExceptions()
                .untilAsserted(() -> assertThat(client.range(table, new byte[] {0}, new byte[] {0}, 0, false)
                                .kvs())
                        .hasSize(count));
    }

    private static byte[] key(int i) {
        return String.format("key-%04d", i).getBytes();
    }
}
