package io.armada.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Commands and options renamed for the vocabulary ("Words" in docs/ARCHITECTURE.md) still answer to their old names. */
class OldNamesTest {
    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {}

    static Run armada(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return new Run(cl.execute(args), out.toString(), err.toString());
    }

    @Test
    void theOldNodeCommandsStillRunWithAWarningAndAreNotListed() throws Exception {
        Path missing = dir.resolve("missing.yaml");
        for (String[] names : new String[][] {{"leader", "leader-cluster"}, {"follower", "follower-cluster"}}) {
            Run old = armada(names[0], "--config", missing.toString());
            assertThat(old.exit()).as(old.err()).isEqualTo(2); // the configuration cannot be read: the command ran
            assertThat(old.err())
                    .contains("`armada " + names[0] + "` is now `armada " + names[1] + "`")
                    .contains("cannot read");
            Run current = armada(names[1], "--config", missing.toString());
            assertThat(current.exit()).isEqualTo(2);
            assertThat(current.err()).doesNotContain("warning").contains("cannot read");
        }
        Run help = armada("--help");
        assertThat(help.out())
                .contains("leader-cluster", "follower-cluster")
                .doesNotContainPattern("(?m)^  leader ")
                .doesNotContainPattern("(?m)^  follower ");
    }

    @Test
    void aFollowerClusterConfigurationIsRefusedByTheLeaderClusterCommand() throws Exception {
        Path config = dir.resolve("node.yaml");
        Files.writeString(config, """
                node-id: 1
                data-dir: %s
                members:
                  - id: 1
                    client-address: 127.0.0.1:6001
                    raft-address: 127.0.0.1:6011
                raft-tls:
                  cert-file: node.crt
                  key-file: node.key
                  ca-file: ca.crt
                follower-of:
                  endpoints: [127.0.0.1:7001]
                """.formatted(dir));
        Run run = armada("leader-cluster", "--config", config.toString());
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("run `armada follower-cluster`");
    }

    @Test
    void oldDevAndBenchOptionsAreHiddenAliasesAndRefusedNextToTheirNewNames() {
        Run both = armada("dev", "--followers", "0", "--follower-clusters", "0");
        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.err()).contains("--followers and --follower-clusters are both given");
        Run bothLinks = armada("dev", "--follower-of", "127.0.0.1:1", "--leader-cluster", "127.0.0.1:1");
        assertThat(bothLinks.exit()).isEqualTo(2);
        assertThat(bothLinks.err()).contains("--follower-of and --leader-cluster are both given");
        // the old option's value is used: 99 follower clusters is out of range, so dev stops before starting anything
        Run old = armada("dev", "--followers", "99");
        assertThat(old.exit()).isEqualTo(2);
        assertThat(old.err()).contains("--followers is now --follower-clusters").contains("--follower-clusters: 99");
        Run bench =
                armada("bench", "--follower-endpoints", "127.0.0.1:1", "--follower-cluster-endpoints", "127.0.0.1:1");
        assertThat(bench.exit()).isEqualTo(2);
        assertThat(bench.err()).contains("--follower-endpoints and --follower-cluster-endpoints are both given");
        assertThat(armada("dev", "--help").out()).doesNotContain("--followers ").doesNotContain("--follower-of");
    }
}
