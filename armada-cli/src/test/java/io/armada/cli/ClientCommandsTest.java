package io.armada.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.armada.server.dev.DevCluster;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The table, kv and status commands against a real three-node cluster in this JVM. */
class ClientCommandsTest {
    @TempDir
    static Path data;

    static DevCluster cluster;

    record Run(int exit, String out, String err) {}

    @BeforeAll
    static void start() throws Exception {
        cluster = DevCluster.start(data, 3, freeBase(), e -> {
            throw new AssertionError("fatal storage error", e);
        });
        assertThat(cluster.awaitReady(30_000)).isTrue();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    static Run armada(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--endpoints";
        all[args.length + 1] = cluster.endpoints();
        return new Run(cl.execute(all), out.toString(), err.toString());
    }

    @Test
    void aSessionThroughTheCli() {
        assertThat(armada("table", "create", "users").out()).startsWith("created users (id ");
        Run put = armada("kv", "put", "--table", "users", "user/ada", "Ada Lovelace");
        assertThat(put.exit()).isZero();
        long revision = Long.parseLong(put.out().trim());
        assertThat(revision).isPositive();
        armada("kv", "put", "--table", "users", "user/alan", "Alan Turing");
        armada("kv", "put", "--table", "users", "zeta", "z");

        assertThat(armada("kv", "get", "--table", "users", "user/ada", "--linearizable")
                        .out())
                .isEqualTo("Ada Lovelace\n");
        Run missing = armada("kv", "get", "--table", "users", "nobody");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(armada("kv", "range", "--table", "users", "user/", "--prefix")
                        .out())
                .isEqualTo("user/ada=Ada Lovelace\nuser/alan=Alan Turing\n");
        assertThat(armada("kv", "delete", "--table", "users", "user/", "--prefix")
                        .out()
                        .trim())
                .isEqualTo("2");
        assertThat(armada("table", "list").out()).contains("users");
        assertThat(armada("status").out()).contains("users").contains("LEADER");
        Run hash = armada("table", "hash", "users");
        assertThat(hash.exit()).isZero();
        assertThat(hash.out().lines().filter(l -> l.matches(".* [0-9a-f]{64}"))).hasSize(3);
        assertThat(armada("table", "hash", "nope").out()).contains("no such table");

        Run noTable = armada("kv", "put", "--table", "nope", "k", "v");
        assertThat(noTable.exit()).isEqualTo(ClientCommand.EXIT_SERVER_ERROR);
        assertThat(noTable.err()).startsWith("error: NOT_FOUND: table 'nope' does not exist");
        Run emptyKey = armada("kv", "put", "--table", "users", "", "v");
        assertThat(emptyKey.err()).startsWith("error: INVALID_ARGUMENT:").contains("key");
        assertThat(armada("kv", "put", "--table", "users").exit()).isEqualTo(2); // usage error
    }

    @Test
    void benchLoadsTheClusterAndReportsPercentiles() throws Exception {
        Path json = data.resolve("bench.json");
        Run closed = armada(
                "bench",
                "--op",
                "mixed",
                "--table",
                "bench",
                "--clients",
                "2",
                "--in-flight",
                "4",
                "--duration",
                "1",
                "--warmup",
                "0",
                "--key-space",
                "50",
                "--json",
                json.toString());
        assertThat(closed.exit()).as(closed.err()).isZero();
        assertThat(closed.out())
                .contains("armada mixed: 1 tables, 2 clients x 4 in flight")
                .contains("p99.9");
        var result = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.toFile());
        assertThat(result.get("operations").asLong()).isPositive();
        assertThat(result.get("errors").asLong()).isZero();
        assertThat(result.get("latency").get("p50").asDouble()).isPositive();

        // open loop: exactly rate × duration operations are scheduled, and every one completes
        Run open = armada(
                "bench",
                "--op",
                "txn",
                "--tables",
                "2",
                "--table",
                "bench-txn",
                "--rate",
                "100",
                "--duration",
                "2",
                "--warmup",
                "0",
                "--clients",
                "2",
                "--in-flight",
                "8",
                "--json",
                json.toString());
        assertThat(open.exit()).as(open.err()).isZero();
        result = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.toFile());
        assertThat(result.get("operations").asLong()).isEqualTo(200);
        assertThat(result.get("tables")).hasSize(2);

        Run bad = armada("bench", "--op", "lag");
        assertThat(bad.exit()).isEqualTo(ClientCommand.EXIT_USAGE);
        assertThat(bad.err()).contains("follower-cluster-endpoints");
    }

    @Test
    void theClientFailsOverFromAnUnreachableEndpoint() throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            dead = s.getLocalPort(); // closed again: nothing listens there
        }
        String live = cluster.endpoints().split(",")[1];
        try (var client = new io.armada.client.ArmadaClient(
                java.util.List.of("127.0.0.1:" + dead, live), java.time.Duration.ofSeconds(10))) {
            client.createTable("failover");
            assertThat(client.put("failover", "k".getBytes(), "v".getBytes())).isPositive();
            assertThat(client.get("failover", "k".getBytes(), true))
                    .map(kv -> new String(kv.value()))
                    .contains("v");
        }
    }

    static int freeBase() {
        return io.armada.server.dev.FreePorts.basePort(3);
    }
}
