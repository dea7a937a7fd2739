package io.armada.server.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.armada.client.ArmadaClient;
import io.armada.client.ArmadaException;
import io.armada.client.ClientTls;
import io.armada.server.config.ServerConfig;
import io.armada.server.dev.DevCluster;
import io.armada.server.dev.FreePorts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replication over mutual TLS: a follower cluster holding a certificate of the leader cluster's
 * authority replicates and forwards writes; one without a client certificate is refused by the
 * leader cluster, so its writes fail as UNAVAILABLE and it replicates nothing.
 */
class FollowerClusterTlsTest {
    @TempDir
    Path data;

    @Test
    void aFollowerClusterReplicatesFromALeaderClusterThatRequiresMutualTls() throws Exception {
        int base = FreePorts.basePort(3, 3);
        List<ServerConfig> leaderConfigs = DevCluster.configs(
                data.resolve("leader"), "tls-leader", 3, base, ServerConfig.RaftSettings.defaults(), true);
        Path certs = data.resolve("leader").resolve("certs");
        List<ServerConfig> trusted = followerConfigs(
                "trusted", 3, base + 100, leaderConfigs, certs.resolve("node-1.crt"), certs.resolve("node-1.key"));
        List<ServerConfig> anonymous = followerConfigs("anonymous", 1, base + 200, leaderConfigs, null, null);
        try (DevCluster leader = DevCluster.start(leaderConfigs, this::fatal);
                DevCluster follower = DevCluster.start(trusted, this::fatal);
                DevCluster refused = DevCluster.start(anonymous, this::fatal);
                ArmadaClient leaderClient = new ArmadaClient(
                        List.of(leader.endpoints().split(",")),
                        Duration.ofSeconds(20),
                        new ClientTls(
                                certs.resolve("ca.crt"), certs.resolve("node-2.crt"), certs.resolve("node-2.key")));
                ArmadaClient followerClient =
                        new ArmadaClient(List.of(follower.endpoints().split(",")), Duration.ofSeconds(20));
                ArmadaClient refusedClient = new ArmadaClient(List.of(refused.endpoints()), Duration.ofSeconds(20))) {
            await().atMost(Duration.ofSeconds(30))
                    .ignoreExceptions()
                    .until(() -> leaderClient.createTable("secure") != null);
            long written = leaderClient.put("secure", "k".getBytes(), "over tls".getBytes());
            await().atMost(Duration.ofSeconds(30))
                    .ignoreExceptions()
                    .untilAsserted(() -> assertThat(followerClient.get("secure", "k".getBytes(), false))
                            .hasValueSatisfying(
                                    kv -> assertThat(kv.modRevision()).isEqualTo(written)));
            // a write through the follower cluster is forwarded over the same mutual-TLS link
            long forwarded = followerClient.put("secure", "f".getBytes(), "via follower".getBytes());
            assertThat(leaderClient.get("secure", "f".getBytes(), true))
                    .hasValueSatisfying(kv -> assertThat(kv.modRevision()).isEqualTo(forwarded));

            assertThat(refused.awaitReady(30_000)).isTrue();
            assertThatThrownBy(() -> refusedClient.createTable("anything"))
                    .isInstanceOfSatisfying(
                            ArmadaException.class,
                            e -> assertThat(e.code()).isEqualTo(ArmadaException.Code.UNAVAILABLE))
                    .hasMessageContaining("leader cluster");
            assertThat(refusedClient.listTables()).isEmpty(); // the catalog never replicated
        }
    }

    private static List<ServerConfig> followerConfigs(
            String name, int nodes, int base, List<ServerConfig> leader, Path certFile, Path keyFile) {
        Path leaderDir = leader.getFirst().dataDir().getParent();
        ServerConfig.LeaderCluster of = new ServerConfig.LeaderCluster(
                leader.stream().map(c -> c.self().clientAddress()).toList(),
                leaderDir.resolve("certs").resolve("ca.crt"),
                certFile,
                keyFile);
        return DevCluster.configs(
                        leaderDir.resolveSibling(name), name, nodes, base, ServerConfig.RaftSettings.defaults(), false)
                .stream()
                .map(c -> c.asFollowerClusterOf(of))
                .toList();
    }

    private void fatal(Throwable e) {
        throw new AssertionError("fatal storage error", e);
    }
}
