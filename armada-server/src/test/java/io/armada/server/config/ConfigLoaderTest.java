package io.armada.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

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
        assertThat(ConfigLoader.parse(VALID + "quotas:\n  max-tables: 50\n").quotas().maxTables()).isEqualTo(50);
        assertThatThrownBy(() -> ConfigLoader.parse(VALID, Map.of("quotas.max-tables", "0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("quotas.max-tables: 0 is outside");
    }

    @Test
    void overridesSetAnyFieldByItsPath() {
        ServerConfig c = ConfigLoader.parse(VALID, Map.of("node-id", "1", "members[0].client-address", "127.0.0.1:7001",
                "raft.tick-millis", "20", "raft.election-ticks", "10", "raft.heartbeat-ticks", "1",
                "raft.worker-threads", "2", "raft.snapshot-threshold-entries", "1000"));
        assertThat(c.nodeId()).isEqualTo(1);
        assertThat(c.self().clientAddress().port()).isEqualTo(7001);
        assertThat(c.raft().tickMillis()).isEqualTo(20);
    }

    @Test
    void errorsNameTheField() {
        assertThatThrownBy(() -> ConfigLoader.parse(VALID + "colour: blue\n"))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("colour: unknown field");
        assertThatThrownBy(() -> ConfigLoader.parse(VALID, Map.of("members[1].client-address", "nowhere")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("members[1].client-address")
                .hasMessageContaining("not host:port");
        assertThatThrownBy(() -> ConfigLoader.parse(VALID, Map.of("node-id", "3")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("node-id: 3 is not one of the members");
        assertThatThrownBy(() -> ConfigLoader.parse(VALID, Map.of("node-id", "two")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("node-id:");
        assertThatThrownBy(() -> ConfigLoader.parse(VALID.replace("  ca-file: /etc/armada/ca.crt\n", "")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("ca-file");
        // the name goes into certificates as a URI: no spaces, colons or slashes
        assertThatThrownBy(() -> ConfigLoader.parse(VALID + "cluster-name: prod/eu west\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("cluster-name: cluster name 'prod/eu west'")
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
        assertThat(c.isFollower()).isFalse();

        // the follower example adds follower-of to the same file
        int second = readme.indexOf("```yaml\n", start) + "```yaml\n".length();
        ServerConfig follower = ConfigLoader.parse(yaml + readme.substring(second, readme.indexOf("```", second)));
        assertThat(follower.isFollower()).isTrue();
        assertThat(follower.followerOf().endpoints()).hasSize(3);
        assertThat(follower.followerOf().caFile()).isEqualTo(Path.of("ca.crt"));
    }
}
