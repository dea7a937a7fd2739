package io.armada.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.armada.server.config.ServerConfig;
import io.armada.server.dev.DevCluster;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The client commands against a cluster that requires mutual TLS. */
class TlsCommandsTest {
    @TempDir
    static Path data;

    static DevCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        List<ServerConfig> configs =
                DevCluster.configs(data, 3, ClientCommandsTest.freeBase(), ServerConfig.RaftSettings.defaults(), true);
        cluster = DevCluster.start(configs, e -> {
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

    private static ClientCommandsTest.Run armada(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--endpoints", cluster.endpoints()));
        return new ClientCommandsTest.Run(cl.execute(all.toArray(String[]::new)), out.toString(), err.toString());
    }

    @Test
    void withTheClientCertificateCommandsAreServedWithoutItTheyFailWithAStatus() {
        Path certs = data.resolve("certs");
        String[] tls = {
            "--cacert",
            certs.resolve("ca.crt").toString(),
            "--cert",
            certs.resolve("node-1.crt").toString(),
            "--key",
            certs.resolve("node-1.key").toString()
        };
        assertThat(armada(concat(new String[] {"table", "create", "vault"}, tls))
                        .exit())
                .isZero();
        assertThat(armada(concat(new String[] {"kv", "put", "--table", "vault", "k", "secret"}, tls))
                        .exit())
                .isZero();
        assertThat(armada(concat(new String[] {"kv", "get", "--table", "vault", "k", "--linearizable"}, tls))
                        .out())
                .isEqualTo("secret\n");

        ClientCommandsTest.Run plaintext = armada("kv", "get", "--table", "vault", "k", "--timeout", "3s");
        assertThat(plaintext.exit()).isEqualTo(ClientCommand.EXIT_SERVER_ERROR);
        assertThat(plaintext.err()).startsWith("error: UNAVAILABLE");

        ClientCommandsTest.Run noKey = armada(
                "kv",
                "get",
                "--table",
                "vault",
                "k",
                "--cert",
                certs.resolve("node-1.crt").toString());
        assertThat(noKey.exit()).isEqualTo(ClientCommand.EXIT_USAGE);
        assertThat(noKey.err()).contains("certificate and its key");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
