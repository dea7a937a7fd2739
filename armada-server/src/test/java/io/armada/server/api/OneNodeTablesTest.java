package io.armada.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.armada.api.v1.CreateTableRequest;
import io.armada.api.v1.DeleteTableRequest;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Table lifecycle on a one-node cluster: the table quota, and a listed table whose group is not open. */
class OneNodeTablesTest {
    @TempDir
    Path dir;

    private ArmadaServer server;
    private ManagedChannel channel;

    @AfterEach
    void stop() {
        if (channel != null) {
            channel.shutdownNow();
            channel = null;
        }
        if (server != null) {
            server.close();
            server = null;
        }
    }

    private void start(ServerConfig.Quotas quotas) {
        ServerConfig config = DevCluster.configs(dir, 1, FreePorts.basePort(1), ServerConfig.RaftSettings.defaults())
                .getFirst()
                .withQuotas(quotas);
        server = ArmadaServer.start(config, e -> {
            throw new AssertionError("fatal storage error", e);
        });
        channel = NettyChannelBuilder.forAddress(
                        "127.0.0.1", config.self().clientAddress().port())
                .usePlaintext()
                .build();
    }

    /**
     * Table creation has a quota (issue 14 #9: without one, any client could create tables until the
     * nodes' cores and file descriptors ran out): a create beyond it is RESOURCE_EXHAUSTED naming the
     * option, and deleting a table makes room again.
     */
    @Test
    void aCreateBeyondTheQuotaIsRefusedUntilATableIsDeleted() {
        start(new ServerConfig.Quotas(2));
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> create("a"));
        assertThat(create("b")).isTrue();

        assertThatThrownBy(() -> create("c")).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(e.getStatus().getDescription()).contains("2 tables").contains("quotas.max-tables");
        });

        tables().delete(DeleteTableRequest.newBuilder().setName("a").build());
        assertThat(create("c")).isTrue();
    }

    /**
     * A table the catalog lists whose group is not open on this node (still opening, or its open failed
     * and is being retried) is not a table that does not exist: its writes answer UNAVAILABLE, retry,
     * where they answered NOT_FOUND.
     */
    @Test
    void aWriteToAListedTableWhoseGroupIsNotOpenHereIsUnavailableNotNotFound() throws Exception {
        start(ServerConfig.Quotas.defaults());
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> create("t"));
        long id = server.node().table("t").map(TableHandle::id).orElseThrow();
        // the group closed behind the catalog's back, as it is before its open completes
        server.node().engine().removeGroup(id).get(10, TimeUnit.SECONDS);

        assertThatThrownBy(() -> KVGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(5, TimeUnit.SECONDS)
                        .put(PutRequest.newBuilder()
                                .setTable("t")
                                .setKey(ByteString.copyFromUtf8("k"))
                                .setValue(ByteString.copyFromUtf8("v"))
                                .build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                    assertThat(e.getStatus().getDescription()).contains("table 't' is not open on this node yet");
                });
    }

    /**
     * A table's removal drops its table store entry, then deletes its snapshot directory; a crash
     * between the two left that directory (and its snapshot, as large as the table was) on disk for
     * good, since the leftover sweep at start looked at the table store only (found by the
     * simulation's catalog shape, seed 23). Now the sweep deletes it, and keeps the directories of
     * the catalog and of the tables it lists.
     */
    @Test
    void aSnapshotDirectoryLeftByAnInterruptedRemovalIsDeletedAtStart() throws Exception {
        start(ServerConfig.Quotas.defaults());
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> create("kept"));
        long kept = server.node().table("kept").map(TableHandle::id).orElseThrow();
        Path snapshots = server.node().config().dataDir().resolve("snapshots");
        stop();
        Path leftover = snapshots.resolve(Long.toString(kept + 1000));
        Files.createDirectories(leftover);
        Files.write(leftover.resolve("snapshot.data"), new byte[4096]);

        start(ServerConfig.Quotas.defaults());

        assertThat(leftover).doesNotExist(); // the sweep runs in the node's start, before it serves
        assertThat(snapshots.resolve(Long.toString(kept))).isDirectory();
        assertThat(snapshots.resolve(Long.toString(io.armada.server.node.Catalog.GROUP_ID)))
                .isDirectory();
        assertThat(server.node().table("kept")).isPresent();
    }

    private TablesGrpc.TablesBlockingStub tables() {
        return TablesGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private boolean create(String name) {
        return tables().create(CreateTableRequest.newBuilder().setName(name).build())
                .hasTable();
    }
}
