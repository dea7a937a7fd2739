package io.armada.server.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.armada.api.v1.CreateTableRequest;
import io.armada.api.v1.TablesGrpc;
import io.armada.server.config.ServerConfig;
import io.armada.server.dev.DevCluster;
import io.armada.server.dev.FreePorts;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node's ready line means it can serve (issue 13, finding 9): printed at start, a raw gRPC client's
 * first Tables.Create right after it met "election in progress". One member of three is serving
 * but not ready; once a second is up both print it, and a create through either succeeds at once.
 */
class ReadyLineTest {
    @TempDir
    Path dir;

    private final List<NodeProcess> nodes = new ArrayList<>();
    private ManagedChannel channel;

    @AfterEach
    void stop() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow();
        }
        for (NodeProcess n : nodes) {
            n.close();
        }
    }

    @Test
    void theReadyLineComesOnceTheNodeCanServeAndACreateRightAfterItSucceeds() throws Exception {
        List<ServerConfig> configs =
                DevCluster.configs(dir, 3, FreePorts.basePort(3), ServerConfig.RaftSettings.defaults());
        for (ServerConfig c : configs) {
            nodes.add(new NodeProcess(c, dir));
        }
        nodes.get(0).start(Duration.ofSeconds(60));
        assertThat(nodes.get(0).isReady())
                .as("one member of three has no quorum: serving, not ready")
                .isFalse();

        nodes.get(1).start(Duration.ofSeconds(60));
        nodes.get(0).awaitReady(Duration.ofSeconds(30));
        nodes.get(1).awaitReady(Duration.ofSeconds(30));
        channel = NettyChannelBuilder.forAddress(
                        "127.0.0.1", configs.get(0).self().clientAddress().port())
                .usePlaintext()
                .build();
        // no retry: the first call after the ready line is served
        assertThat(TablesGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(10, TimeUnit.SECONDS)
                        .create(CreateTableRequest.newBuilder().setName("first").build())
                        .getTable()
                        .getName())
                .isEqualTo("first");
    }
}
