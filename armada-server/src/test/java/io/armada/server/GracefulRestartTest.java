package io.armada.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.armada.api.v1.CreateTableRequest;
import io.armada.api.v1.HashRequest;
import io.armada.api.v1.KVGrpc;
import io.armada.api.v1.MaintenanceGrpc;
import io.armada.api.v1.PutRequest;
import io.armada.api.v1.RangeRequest;
import io.armada.api.v1.RangeResponse;
import io.armada.api.v1.TablesGrpc;
import io.armada.raft.RaftRole;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Closing a node hands its leaderships over; the node, started again on its data, rejoins and catches up. */
class GracefulRestartTest {
    @TempDir
    Path data;

    private final List<ArmadaServer> servers = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();

    @AfterEach
    void stop() {
        channels.forEach(ManagedChannel::shutdownNow);
        servers.forEach(s -> {
            if (s != null) {
                s.close();
            }
        });
    }

    @Test
    void aClosedLeaderHandsOverAndARestartedNodeCatchesUp() {
        List<ServerConfig> configs =
                DevCluster.configs(data, 3, FreePorts.basePort(3), ServerConfig.RaftSettings.defaults());
        for (ServerConfig c : configs) {
            servers.add(ArmadaServer.start(c, e -> {
                throw new AssertionError("fatal storage error", e);
            }));
            channels.add(NettyChannelBuilder.forAddress(
                            "127.0.0.1", c.self().clientAddress().port())
                    .usePlaintext()
                    .build());
        }
        await().atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .until(() -> TablesGrpc.newBlockingStub(channels.get(0))
                        .withDeadlineAfter(5, TimeUnit.SECONDS)
                        .create(CreateTableRequest.newBuilder().setName("t").build())
                        .hasTable());
        put(0, "before", "1");
        int leader = leaderIndex();
        int other = (leader + 1) % 3;

        servers.get(leader).close();
        servers.set(leader, null);
        // another member took over (the closing node transferred its leaderships before stopping)
        ArmadaServer survivor = servers.get(other);
        long id = survivor.node().table("t").map(TableHandle::id).orElseThrow();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> survivor.node()
                        .groupStatus(id)
                        .map(s -> s.leaderId() != 0 && s.leaderId() != leader + 1)
                        .orElse(false));
        for (int i = 0; i < 50; i++) {
            put(other, "during-" + i, "v");
        }
        long last = put(other, "last", "v");

        servers.set(leader, ArmadaServer.start(configs.get(leader), e -> {
            throw new AssertionError("fatal storage error", e);
        }));
        ArmadaServer restarted = servers.get(leader);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> restarted
                        .node()
                        .table("t")
                        .map(h -> h.stateMachine().table().revision() >= last
                                && !h.stateMachine().catchingUp())
                        .orElse(false));
        var all = KVGrpc.newBlockingStub(channels.get(leader))
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .range(RangeRequest.newBuilder()
                        .setTable("t")
                        .setKey(ByteString.copyFrom(new byte[] {0}))
                        .setRangeEnd(ByteString.copyFrom(new byte[] {0}))
                        .setCountOnly(true)
                        .build());
        assertThat(all.getCount()).isEqualTo(52);
    }

    /**
     * What a node restarted after a power loss holds, applied state and persisted commit index alike, can
     * stand before what it served; only its group's commit index, confirmed after the restart, covers that.
     * So a restarted node serves no local read while its group has no quorum, and does once it has one.
     */
    @Test
    void aRestartedNodeServesNoLocalReadUntilItsGroupConfirmsItCaughtUp() {
        List<ServerConfig> configs =
                DevCluster.configs(data, 3, FreePorts.basePort(3), ServerConfig.RaftSettings.defaults());
        for (ServerConfig c : configs) {
            servers.add(start(c));
            channels.add(NettyChannelBuilder.forAddress(
                            "127.0.0.1", c.self().clientAddress().port())
                    .usePlaintext()
                    .build());
        }
        await().atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .until(() -> TablesGrpc.newBlockingStub(channels.get(0))
                        .withDeadlineAfter(5, TimeUnit.SECONDS)
                        .create(CreateTableRequest.newBuilder().setName("t").build())
                        .hasTable());
        put(0, "k", "v");
        for (int i = 0; i < servers.size(); i++) {
            servers.get(i).close();
            servers.set(i, null);
        }

        servers.set(0, start(configs.get(0)));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> servers.get(0).node().table("t").isPresent());
        assertThatThrownBy(() -> serializableGet(0, "k")).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(e.getStatus().getDescription()).contains("table 't' is catching up");
        });

        servers.set(1, start(configs.get(1)));
        await().atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .until(() -> serializableGet(0, "k").getCount() == 1);
    }

    /**
     * Every service finds a table the same way (issue 15): Maintenance.Hash on a member that has not yet
     * applied a table's creation catches up with the catalog before it answers, as KV calls do, instead
     * of answering NOT_FOUND for a table that exists.
     */
    @Test
    void hashOnAMemberThatMissedTheCreateCatchesUpWithTheCatalogFirst() {
        List<ServerConfig> configs =
                DevCluster.configs(data, 3, FreePorts.basePort(3), ServerConfig.RaftSettings.defaults());
        for (ServerConfig c : configs) {
            servers.add(start(c));
            channels.add(NettyChannelBuilder.forAddress(
                            "127.0.0.1", c.self().clientAddress().port())
                    .usePlaintext()
                    .build());
        }
        await().atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .until(() -> TablesGrpc.newBlockingStub(channels.get(0))
                        .withDeadlineAfter(5, TimeUnit.SECONDS)
                        .create(CreateTableRequest.newBuilder()
                                .setName("before")
                                .build())
                        .hasTable());
        servers.get(2).close();
        servers.set(2, null);
        await().atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .until(() -> TablesGrpc.newBlockingStub(channels.get(0))
                        .withDeadlineAfter(5, TimeUnit.SECONDS)
                        .create(CreateTableRequest.newBuilder().setName("t").build())
                        .hasTable());
        put(0, "k", "v");

        servers.set(2, start(configs.get(2)));
        // at once: the restarted member has not applied the create yet. Until it knows the catalog's leader it
        // answers UNAVAILABLE (retry); never NOT_FOUND for a table that exists
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            try {
                var hash = MaintenanceGrpc.newBlockingStub(channels.get(2))
                        .withDeadlineAfter(10, TimeUnit.SECONDS)
                        .hash(HashRequest.newBuilder().setTable("t").build());
                return hash.getSha256().size() == 32;
            } catch (StatusRuntimeException e) {
                assertThat(e.getStatus().getCode()).as("%s", e.getStatus()).isEqualTo(Status.Code.UNAVAILABLE);
                return false;
            }
        });
    }

    private static ArmadaServer start(ServerConfig config) {
        return ArmadaServer.start(config, e -> {
            throw new AssertionError("fatal storage error", e);
        });
    }

    private RangeResponse serializableGet(int node, String key) {
        return KVGrpc.newBlockingStub(channels.get(node))
                .withDeadlineAfter(5, TimeUnit.SECONDS)
                .range(RangeRequest.newBuilder()
                        .setTable("t")
                        .setKey(ByteString.copyFromUtf8(key))
                        .build());
    }

    private long put(int node, String key, String value) {
        return KVGrpc.newBlockingStub(channels.get(node))
                .withDeadlineAfter(20, TimeUnit.SECONDS)
                .put(PutRequest.newBuilder()
                        .setTable("t")
                        .setKey(ByteString.copyFromUtf8(key))
                        .setValue(ByteString.copyFromUtf8(value))
                        .build())
                .getHeader()
                .getRevision();
    }

    private int leaderIndex() {
        for (int i = 0; i < servers.size(); i++) {
            var node = servers.get(i).node();
            long id = node.table("t").map(TableHandle::id).orElseThrow();
            if (node.groupStatus(id).map(s -> s.role() == RaftRole.LEADER).orElse(false)) {
                return i;
            }
        }
        throw new AssertionError("no leader of table t");
    }
}
