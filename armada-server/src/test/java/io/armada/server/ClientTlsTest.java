package io.armada.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.armada.api.v1.CreateTableRequest;
import io.armada.api.v1.KVGrpc;
import io.armada.api.v1.PutRequest;
import io.armada.api.v1.RangeRequest;
import io.armada.api.v1.TablesGrpc;
import io.armada.server.config.ServerConfig;
import io.armada.server.dev.DevCluster;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client API with mutual TLS: trusted clients are served (writes forwarded over TLS too), others refused. */
class ClientTlsTest {
    @TempDir Path data;
    private DevCluster cluster;
    private final List<ManagedChannel> channels = new ArrayList<>();

    @AfterEach
    void stop() {
        channels.forEach(ManagedChannel::shutdownNow);
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void mutualTlsServesTrustedClientsAndRefusesPlaintextAndAnonymousOnes() throws Exception {
        List<ServerConfig> configs = DevCluster.configs(data, 3, FreePorts.basePort(3),
                ServerConfig.RaftSettings.defaults(), true);
        cluster = DevCluster.start(configs, e -> {
            throw new AssertionError("fatal storage error", e);
        });
        assertThat(cluster.awaitReady(30_000)).isTrue();
        Path certs = data.resolve("certs");
        var node2 = configs.get(1).self().clientAddress();

        ManagedChannel trusted = channel(node2.port(), GrpcSslContexts.forClient()
                .trustManager(certs.resolve("ca.crt").toFile())
                .keyManager(certs.resolve("node-1.crt").toFile(), certs.resolve("node-1.key").toFile()).build());
        TablesGrpc.newBlockingStub(trusted).withDeadlineAfter(20, TimeUnit.SECONDS)
                .create(CreateTableRequest.newBuilder().setName("secure").build());
        for (int i = 0; i < 3; i++) { // through node 2: at least one write is forwarded unless node 2 leads
            KVGrpc.newBlockingStub(trusted).withDeadlineAfter(20, TimeUnit.SECONDS).put(PutRequest.newBuilder()
                    .setTable("secure").setKey(ByteString.copyFromUtf8("k" + i)).setValue(ByteString.copyFromUtf8("v")).build());
        }
        assertThat(KVGrpc.newBlockingStub(trusted).withDeadlineAfter(20, TimeUnit.SECONDS).range(RangeRequest.newBuilder()
                .setTable("secure").setKey(ByteString.copyFromUtf8("k")).setRangeEnd(ByteString.copyFromUtf8("l"))
                .setLinearizable(true).build()).getCount()).isEqualTo(3);

        ManagedChannel plaintext = NettyChannelBuilder.forAddress(node2.host(), node2.port()).usePlaintext().build();
        channels.add(plaintext);
        assertRefused(plaintext);
        ManagedChannel anonymous = channel(node2.port(), GrpcSslContexts.forClient()
                .trustManager(certs.resolve("ca.crt").toFile()).build());
        assertRefused(anonymous);
    }

    private ManagedChannel channel(int port, io.grpc.netty.shaded.io.netty.handler.ssl.SslContext ssl) {
        ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", port).sslContext(ssl).build();
        channels.add(c);
        return c;
    }

    private static void assertRefused(ManagedChannel channel) {
        assertThatThrownBy(() -> TablesGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                .list(io.armada.api.v1.ListTablesRequest.getDefaultInstance()))
                .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }
}
