package io.armada.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.armada.api.v1.CreateTableRequest;
import io.armada.api.v1.KVGrpc;
import io.armada.api.v1.ListTablesRequest;
import io.armada.api.v1.PutRequest;
import io.armada.api.v1.RangeRequest;
import io.armada.api.v1.TablesGrpc;
import io.armada.client.ArmadaClient;
import io.armada.client.ArmadaException;
import io.armada.client.ClientTls;
import io.armada.client.Op;
import io.armada.client.TxnCondition;
import io.armada.client.TxnResult;
import io.armada.server.config.ServerConfig;
import io.armada.server.dev.DevCluster;
import io.armada.server.dev.FreePorts;
import io.armada.server.process.NodeProcess;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client API with mutual TLS on three node processes: trusted clients are served (writes forwarded over TLS too), others refused. */
class ClientTlsTest {
    @TempDir
    Path data;

    private final List<NodeProcess> nodes = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        channels.forEach(ManagedChannel::shutdownNow);
        for (NodeProcess n : nodes) {
            n.close();
        }
    }

    @Test
    void mutualTlsServesTrustedClientsAndRefusesPlaintextAndAnonymousOnes() throws Exception {
        List<ServerConfig> configs =
                DevCluster.configs(data, 3, FreePorts.basePort(3), ServerConfig.RaftSettings.defaults(), true);
        for (ServerConfig c : configs) { // three node processes, each reading its TLS files from its YAML config
            NodeProcess n = new NodeProcess(c, data);
            nodes.add(n);
            n.start(Duration.ofSeconds(60));
        }
        Path certs = data.resolve("certs");
        var node2 = configs.get(1).self().clientAddress();

        ManagedChannel trusted = channel(
                node2.port(),
                GrpcSslContexts.forClient()
                        .trustManager(certs.resolve("ca.crt").toFile())
                        .keyManager(
                                certs.resolve("node-1.crt").toFile(),
                                certs.resolve("node-1.key").toFile())
                        .build());
        await().atMost(Duration.ofSeconds(30))
                .ignoreExceptions() // until the catalog has a leader
                .until(() -> TablesGrpc.newBlockingStub(trusted)
                        .withDeadlineAfter(20, TimeUnit.SECONDS)
                        .create(CreateTableRequest.newBuilder()
                                .setName("secure")
                                .build())
                        .hasTable());
        for (int i = 0; i < 3; i++) { // through node 2: at least one write is forwarded unless node 2 leads
            KVGrpc.newBlockingStub(trusted)
                    .withDeadlineAfter(20, TimeUnit.SECONDS)
                    .put(PutRequest.newBuilder()
                            .setTable("secure")
                            .setKey(ByteString.copyFromUtf8("k" + i))
                            .setValue(ByteString.copyFromUtf8("v"))
                            .build());
        }
        assertThat(KVGrpc.newBlockingStub(trusted)
                        .withDeadlineAfter(20, TimeUnit.SECONDS)
                        .range(RangeRequest.newBuilder()
                                .setTable("secure")
                                .setKey(ByteString.copyFromUtf8("k"))
                                .setRangeEnd(ByteString.copyFromUtf8("l"))
                                .setLinearizable(true)
                                .build())
                        .getCount())
                .isEqualTo(3);

        ManagedChannel plaintext = NettyChannelBuilder.forAddress(node2.host(), node2.port())
                .usePlaintext()
                .build();
        channels.add(plaintext);
        assertRefused(plaintext);
        ManagedChannel anonymous = channel(
                node2.port(),
                GrpcSslContexts.forClient()
                        .trustManager(certs.resolve("ca.crt").toFile())
                        .build());
        assertRefused(anonymous);

        // the Java client with the same files: a compare-and-set transaction over mutual TLS
        String endpoint = node2.host() + ":" + node2.port();
        try (ArmadaClient client = new ArmadaClient(
                List.of(endpoint),
                Duration.ofSeconds(20),
                new ClientTls(certs.resolve("ca.crt"), certs.resolve("node-1.crt"), certs.resolve("node-1.key")))) {
            List<TxnCondition> unchanged =
                    List.of(TxnCondition.value(utf8("k0"), TxnCondition.Result.EQUAL, utf8("v")));
            List<Op> swap = List.of(Op.put(utf8("k0"), utf8("w")), Op.get(utf8("k0")));
            TxnResult first = client.txn("secure", unchanged, swap, List.of(Op.get(utf8("k0"))));
            assertThat(first.succeeded()).isTrue();
            assertThat(first.results()).hasSize(2).first().isInstanceOf(TxnResult.Put.class);
            assertThat(((TxnResult.Got) first.results().get(1)).range().kvs())
                    .singleElement()
                    .satisfies(kv -> assertThat(new String(kv.value())).isEqualTo("w"));
            TxnResult second = client.txn("secure", unchanged, swap, List.of(Op.get(utf8("k0"))));
            assertThat(second.succeeded()).isFalse();
            assertThat(((TxnResult.Got) second.results().getFirst())
                            .range()
                            .kvs()
                            .getFirst()
                            .modRevision())
                    .isEqualTo(first.revision());
        }
        try (ArmadaClient anonymousClient = new ArmadaClient(
                List.of(endpoint), Duration.ofSeconds(5), new ClientTls(certs.resolve("ca.crt"), null, null))) {
            assertThatThrownBy(anonymousClient::listTables)
                    .isInstanceOf(ArmadaException.class)
                    .satisfies(
                            e -> assertThat(((ArmadaException) e).code()).isEqualTo(ArmadaException.Code.UNAVAILABLE));
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private ManagedChannel channel(int port, io.grpc.netty.shaded.io.netty.handler.ssl.SslContext ssl) {
        ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", port)
                .sslContext(ssl)
                .build();
        channels.add(c);
        return c;
    }

    private static void assertRefused(ManagedChannel channel) {
        assertThatThrownBy(() -> TablesGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(5, TimeUnit.SECONDS)
                        .list(ListTablesRequest.getDefaultInstance()))
                .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }
}
