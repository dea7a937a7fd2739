package io.armada.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.armada.api.v1.CreateTableRequest;
import io.armada.api.v1.DeleteTableRequest;
import io.armada.api.v1.TablesGrpc;
import io.armada.server.ArmadaServer;
import io.armada.server.config.ServerConfig;
import io.armada.server.dev.DevCluster;
import io.armada.server.dev.FreePorts;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Table creation has a quota (issue 14 #9: without one, any client could create tables until the
 * nodes' cores and file descriptors ran out): a create beyond it is RESOURCE_EXHAUSTED naming the
 * option, and deleting a table makes room again.
 */
class TableQuotaTest {
    @TempDir Path dir;
    private ArmadaServer server;
    private ManagedChannel channel;

    @AfterEach
    void stop() {
        if (channel != null) {
            channel.shutdownNow();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aCreateBeyondTheQuotaIsRefusedUntilATableIsDeleted() {
        ServerConfig config = DevCluster.configs(dir, 1, FreePorts.basePort(1), ServerConfig.RaftSettings.defaults())
                .getFirst().withQuotas(new ServerConfig.Quotas(2));
        server = ArmadaServer.start(config, e -> {
            throw new AssertionError("fatal storage error", e);
        });
        channel = NettyChannelBuilder.forAddress("127.0.0.1", config.self().clientAddress().port()).usePlaintext().build();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> create("a"));
        assertThat(create("b")).isTrue();

        assertThatThrownBy(() -> create("c")).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(e.getStatus().getDescription()).contains("2 tables").contains("quotas.max-tables");
        });

        tables().delete(DeleteTableRequest.newBuilder().setName("a").build());
        assertThat(create("c")).isTrue();
    }

    private TablesGrpc.TablesBlockingStub tables() {
        return TablesGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private boolean create(String name) {
        return tables().create(CreateTableRequest.newBuilder().setName(name).build()).hasTable();
    }
}
