package io.armada.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class ConfigLoaderTest {
    private static final String VALID = """
            node-id: 2
            data-dir: /var/lib/armada
            members:
              - id: 1
                client-address: 127.0.0.1:6001
                raft-address: 127.0.0.1:6101
              - id: 2
                client-address: 127.0.0.1:6002
                raft-address: 127.0.0.1:6102
            raft-tls:
              cert-file: /etc/armada/node.crt
              key-file: /etc/armada/node.key
              ca-file: /etc/armada/ca.crt
            """;

    @Test
    void aMinimalFileGetsDefaultsForEverythingElse() {
        ServerConfig c = ConfigLoader.parse(VALID);
        assertThat(c.nodeId()).isEqualTo(2);
        assertThat(c.dataDir()).isEqualTo(Path.of("/var/lib/armada"));
        assertThat(c.self().clientAddress()).isEqualTo(new HostPort("127.0.0.1", 6002));
        assertThat(c.clusterName()).isEqualTo("armada");
        assertThat(c.clientTls()).isNull();
        assertThat(c.raft()).isEqualTo(ServerConfig.RaftSettings.defaults());
        assertThat(c.quotas()).isEqualTo(ServerConfig.Quotas.defaults());
    }

    @Test
    void theTableQuotaIsSetAndChecked() {
        assertThat(ConfigLoader.parse(VALID + "quotas:\n  max-tables: 50\n")
                        .quotas()
                        .maxTables())
                .isEqualTo(50);
        assertThatThrownBy(() -> ConfigLoader.parse(VALID, Map.of("quotas.max-tables", "0")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("quotas.max-tables: 0 is outside");
    }

    @Test
    void overridesSetAnyFieldByItsPath() {
        ServerConfig c = ConfigLoader.parse(
                VALID,
                Map.of(
                        "node-id",
                        "1",
                        "members[0].client-address",
                        "127.0.0.1:7001",
                        "raft.tick-millis",
                        "20",
                        "raft.election-ticks",
                        "10",
                        "raft.heartbeat-ticks",
                        "1",
                        "raft.worker-threads",
                        "2",
                        "raft.snapshot-threshold-entries",
                        "1000"));
        assertThat(c.nodeId()).isEqualTo(1);
        assertThat(c.self().clientAddress().port()).isEqualTo(7001);
        assertThat(c.raft().tickMillis()).isEqualTo(20);
    }

    @Test
    void errorsNameTheField() {
        assertThatThrownBy(() -> ConfigLoader.parse(VALID + "colour: blue\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("colour: unknown field");
        assertThatThrownBy(() -> ConfigLoader.parse(VALID, Map.of("members[1].client-address", "nowhere")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("members[1].client-address")
                .hasMessageContaining("not host:port");
        assertThatThrownBy(() -> ConfigLoader.parse(VALID, Map.of("node-id", "3")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("node-id: 3 is not one of the members");
        assertThatThrownBy(() -> ConfigLoader.parse(VALID, Map.of("node-id", "two")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("node-id:");
        assertThatThrownBy(() -> ConfigLoader.parse(VALID.replace("  ca-file: /etc/armada/ca.crt\n", "")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("ca-file");
        // the name goes into certificates as a URI: no spaces, colons or slashes
        assertThatThrownBy(() -> ConfigLoader.parse(VALID + "cluster-name: prod/eu west\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("cluster-name: cluster name 'prod/eu west'")
                .hasMessageContaining("1 to 63 letters, digits");
    }

    @Test
    void theReadmeExampleIsAValidConfiguration() throws java.io.IOException {
        String readme = java.nio.file.Files.readString(Path.of("..", "README.md"));
        int start = readme.indexOf("```yaml\n") + "```yaml\n".length();
        String yaml = readme.substring(start, readme.indexOf("```", start));
        ServerConfig c = ConfigLoader.parse(yaml);
        assertThat(c.members()).hasSize(3);
        assertThat(c.clientTls().clientCaFile()).isEqualTo(Path.of("ca.crt"));
        assertThat(c.isFollowerCluster()).isFalse();

        // the follower example adds leader-cluster to the same file
        int second = readme.indexOf("```yaml\n", start) + "```yaml\n".length();
        ServerConfig follower = ConfigLoader.parse(yaml + readme.substring(second, readme.indexOf("```", second)));
        assertThat(follower.isFollowerCluster()).isTrue();
        assertThat(follower.leaderCluster().endpoints()).hasSize(3);
        assertThat(follower.leaderCluster().caFile()).isEqualTo(Path.of("ca.crt"));
    }

    private static final String LEADER_CLUSTER = """
            KEY:
              endpoints:
                - 10.0.0.1:6001
                - 10.0.0.2:6001
            """;

    @Test
    void theOldFollowerOfKeyIsReadAsLeaderClusterWithAWarningNamingBoth() {
        List<ILoggingEvent> warnings = captureWarnings(() -> {
            ServerConfig c = ConfigLoader.parse(VALID + LEADER_CLUSTER.replace("KEY", "follower-of"));
            assertThat(c.isFollowerCluster()).isTrue();
            assertThat(c.leaderCluster().endpoints())
                    .containsExactly(new HostPort("10.0.0.1", 6001), new HostPort("10.0.0.2", 6001));
        });
        assertThat(warnings)
                .singleElement()
                .satisfies(w -> assertThat(w.getFormattedMessage())
                        .contains("follower-of")
                        .contains("leader-cluster")
                        .contains("deprecated"));

        List<ILoggingEvent> none = captureWarnings(() -> assertThat(
                        ConfigLoader.parse(VALID + LEADER_CLUSTER.replace("KEY", "leader-cluster"))
                                .isFollowerCluster())
                .isTrue());
        assertThat(none).isEmpty();
    }

    @Test
    void anOverrideByTheOldKeyIsReadAsLeaderClusterWithAWarning() {
        List<ILoggingEvent> warnings = captureWarnings(() -> {
            ServerConfig c = ConfigLoader.parse(
                    VALID + LEADER_CLUSTER.replace("KEY", "leader-cluster"),
                    Map.of("follower-of.endpoints[1]", "10.0.0.3:6001"));
            assertThat(c.leaderCluster().endpoints())
                    .containsExactly(new HostPort("10.0.0.1", 6001), new HostPort("10.0.0.3", 6001));
            // an override may also bring the whole section, under the old name
            assertThat(ConfigLoader.parse(VALID, Map.of("follower-of", "{endpoints: ['10.0.0.4:6001']}"))
                            .leaderCluster()
                            .endpoints())
                    .containsExactly(new HostPort("10.0.0.4", 6001));
        });
        assertThat(warnings)
                .hasSize(2)
                .allSatisfy(w -> assertThat(w.getFormattedMessage())
                        .contains("follower-of")
                        .contains("leader-cluster"));
    }

    @Test
    void theOldAndTheNewKeyTogetherAreRefusedNamingBoth() {
        String both =
                VALID + LEADER_CLUSTER.replace("KEY", "leader-cluster") + LEADER_CLUSTER.replace("KEY", "follower-of");
        assertThatThrownBy(() -> ConfigLoader.parse(both))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("follower-of")
                .hasMessageContaining("leader-cluster");
        assertThatThrownBy(() -> ConfigLoader.parse(
                        VALID,
                        Map.of(
                                "follower-of.endpoints",
                                "['10.0.0.1:6001']",
                                "leader-cluster.endpoints",
                                "['10.0.0.2:6001']")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("follower-of")
                .hasMessageContaining("leader-cluster");
    }

    /** The WARN (and worse) lines ConfigLoader logs while {@code run} runs. */
    private static List<ILoggingEvent> captureWarnings(Runnable run) {
        Logger logger = (Logger) LoggerFactory.getLogger(ConfigLoader.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            run.run();
        } finally {
            logger.detachAppender(appender);
        }
        return appender.list.stream()
                .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .toList();
    }
}
