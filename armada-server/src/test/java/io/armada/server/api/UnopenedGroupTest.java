package io.armada.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.armada.api.v1.CreateTableRequest;
import io.armada.api.v1.KVGrpc;
import io.armada.api.v1.PutRequest;
import io.armada.api.v1.TablesGrpc;
import io.armada.server.ArmadaServer;
import io.armada.server.config.ServerConfig;
import io.armada.server.dev.DevCluster;
import io.armada.server.dev.FreePorts;
import io.armada.server.node.TableHandle;
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
 * A table the catalog lists whose group is not open on this node (still opening, or its open failed
 * and is being retried) is not a table that does not exist: its writes answer UNAVAILABLE, retry,
 * where they answered NOT_FOUND.
 */
class UnopenedGroupTest {
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
    void aWriteToAListedTableWhoseGroupIsNotOpenHereIsUnavailableNotNotFound() throws Exception {
        ServerConfig config = DevCluster.configs(dir, 1, FreePorts.basePort(1), ServerConfig.RaftSettings.defaults())
                .getFirst();
        server = ArmadaServer.start(config, e -> {
            throw new AssertionError("fatal storage error", e);
        });
        channel = NettyChannelBuilder.forAddress("127.0.0.1", config.self().clientAddress().port()).usePlaintext().build();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> TablesGrpc.newBlockingStub(channel)
                .withDeadlineAfter(5, TimeUnit.SECONDS).create(CreateTableRequest.newBuilder().setName("t").build())
                .hasTable());
        long id = server.node().table("t").map(TableHandle::id).orElseThrow();
        // the group closed behind the catalog's back, as it is before its open completes
        server.node().engine().removeGroup(id).get(10, TimeUnit.SECONDS);

        assertThatThrownBy(() -> KVGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                .put(PutRequest.newBuilder().setTable("t").setKey(ByteString.copyFromUtf8("k"))
                        .setValue(ByteString.copyFromUtf8("v")).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                    assertThat(e.getStatus().getDescription()).contains("table 't' is not open on this node yet");
                });
    }
}
