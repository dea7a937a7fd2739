package io.armada.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.armada.client.ArmadaClient;
import io.armada.client.Op;
import io.armada.client.TxnCondition;
import io.armada.server.dev.DevCluster;
import io.armada.server.dev.FreePorts;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client sends a table's writes to the table's leader once an answer has named it, so they are
 * not forwarded inside the cluster; a client that knows only a non-leader still gets every write
 * done, through forwarding. Counted with the nodes' {@code armada_grpc_requests_total{forwarded}}.
 */
class ClientRoutingTest {
    @TempDir
    Path data;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void writesGoStraightToTheLeaderOnceItIsKnown() throws Exception {
        int base = FreePorts.basePort(3);
        try (DevCluster cluster = DevCluster.start(data, 3, base, e -> {
            throw new AssertionError("fatal storage error", e);
        })) {
            assertThat(cluster.awaitReady(30_000)).isTrue();
            List<String> endpoints = List.of(cluster.endpoints().split(","));
            byte[] k = "k".getBytes(StandardCharsets.UTF_8);
            try (ArmadaClient client = new ArmadaClient(endpoints, Duration.ofSeconds(20))) {
                client.createTable("routed");
                // the first answer names the leader; until the leader's endpoint has answered, the client
                // tries the endpoints it has not heard from: at most three puts, some of them forwarded
                for (int i = 0; i < endpoints.size(); i++) {
                    client.put("routed", k, bytes("warm-up"));
                }
                double before = forwardedPuts(cluster);
                long termBefore = term(client);
                for (int i = 0; i < 30; i++) {
                    client.put("routed", k, bytes("v" + i));
                }
                assertThat(client.txn(
                                        "routed",
                                        List.of(TxnCondition.modRevision(k, TxnCondition.Result.NOT_EQUAL, -1)),
                                        List.of(new Op.Put(k, bytes("txn"))),
                                        List.of())
                                .succeeded())
                        .isTrue();
                if (term(client) == termBefore) {
                    assertThat(forwardedPuts(cluster))
                            .as("puts forwarded after the leader became known")
                            .isEqualTo(before);
                    assertThat(forwarded(cluster, "armada.v1.KV/Txn")).isZero();
                } else { // an election on busy cores: the client relearns the leader, forwarding a few writes meanwhile
                    assertThat(forwardedPuts(cluster) - before).isLessThanOrEqualTo(endpoints.size());
                }
                assertThat(client.get("routed", k, true).orElseThrow().value()).isEqualTo(bytes("txn"));

                // a client that only knows a member that does not lead the table: every write is forwarded
                long leaderId = client.listTables().stream()
                        .filter(t -> t.name().equals("routed"))
                        .findFirst()
                        .orElseThrow()
                        .leaderId();
                String other = endpoints.get(leaderId == 1 ? 1 : 0);
                try (ArmadaClient pinned = new ArmadaClient(List.of(other), Duration.ofSeconds(20))) {
                    for (int i = 0; i < 5; i++) {
                        pinned.put("routed", k, bytes("p" + i));
                    }
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> forwardedPuts(cluster) >= before + 5);
            }
        }
    }

    private static long term(ArmadaClient client) {
        return client.listTables().stream()
                .filter(t -> t.name().equals("routed"))
                .findFirst()
                .orElseThrow()
                .raftTerm();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private double forwardedPuts(DevCluster cluster) throws Exception {
        return forwarded(cluster, "armada.v1.KV/Put");
    }

    /** Successful calls of {@code method} that reached a node forwarded by another member, summed over the nodes. */
    private double forwarded(DevCluster cluster, String method) throws Exception {
        Pattern line = Pattern.compile("armada_grpc_requests_total\\{[^}]*code=\"OK\",forwarded=\"true\",method=\""
                + Pattern.quote(method) + "\"[^}]*} ([0-9.eE+]+)");
        double sum = 0;
        for (var server : cluster.servers()) {
            String body = http.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.opsPort() + "/metrics"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            Matcher m = line.matcher(body);
            while (m.find()) {
                sum += Double.parseDouble(m.group(1));
            }
        }
        return sum;
    }
}
