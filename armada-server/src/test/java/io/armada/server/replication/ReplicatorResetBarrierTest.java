package io.armada.server.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.armada.api.v1.RangeRequest;
import io.armada.client.ArmadaClient;
import io.armada.internal.v1.FollowerClusterEntry;
import io.armada.internal.v1.SnapshotBegin;
import io.armada.raft.Entry;
import io.armada.raft.EntryType;
import io.armada.raft.RaftConfig;
import io.armada.raft.RaftRole;
import io.armada.raft.SnapshotChunk;
import io.armada.raft.SnapshotMeta;
import io.armada.raft.engine.EngineConfig;
import io.armada.raft.engine.GroupStateMachine;
import io.armada.raft.engine.RaftEngine;
import io.armada.raft.log.LogStore;
import io.armada.raft.log.LogStoreOptions;
import io.armada.raft.transport.memory.InMemoryNetwork;
import io.armada.server.config.ServerConfig;
import io.armada.server.dev.DevCluster;
import io.armada.server.dev.FreePorts;
import io.armada.server.node.TableStateMachine;
import io.armada.storage.StoreOptions;
import io.armada.storage.TableStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replicator that becomes leader while a previous replicator's SNAPSHOT_BEGIN is committed but
 * not yet applied on its node must see the reset: it loads the leader cluster's snapshot and the table
 * serves again. Deciding from the table before that entry applied put the replicator in batch
 * mode, its batches applied as no-ops behind the reset, and the table stayed resetting (refusing
 * reads) until the next leader change. A real leader cluster node serves the log; the follower
 * group is a single-member engine on real RocksDB whose apply of the BEGIN is held for a second.
 */
class ReplicatorResetBarrierTest {
    @TempDir
    Path dir;

    @Test
    void aNewReplicatorSeesAResetCommittedBeforeItStarted() throws Exception {
        List<ServerConfig> leaderConfigs = DevCluster.configs(
                dir.resolve("leader"), 1, FreePorts.basePort(1), ServerConfig.RaftSettings.defaults());
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean active = new AtomicBoolean(true);
        try (DevCluster leaderCluster = DevCluster.start(leaderConfigs, e -> {
                    throw new AssertionError(e);
                });
                ArmadaClient leader = new ArmadaClient(
                        List.of(leaderConfigs.getFirst().self().clientAddress().toString()), Duration.ofSeconds(20));
                LeaderClusterLink link = new LeaderClusterLink(new ServerConfig.LeaderCluster(
                        List.of(leaderConfigs.getFirst().self().clientAddress()), null, null, null));
                LogStore logStore = LogStore.open(dir.resolve("raft-log"), LogStoreOptions.defaults(), e -> {});
                TableStore tables = TableStore.open(dir.resolve("tables"), StoreOptions.defaults());
                RaftEngine engine = new RaftEngine(
                        1,
                        EngineConfig.defaults(),
                        RaftConfig.defaults(),
                        logStore,
                        InMemoryNetwork.synchronous().transport(1),
                        e -> {})) {
            assertThat(leaderCluster.awaitReady(30_000)).isTrue();
            long tableId = await().atMost(Duration.ofSeconds(30))
                    .ignoreExceptions()
                    .until(() -> leader.createTable("t"), t -> t != null)
                    .id();
            for (int i = 0; i < 3; i++) {
                leader.put("t", ("key-" + i).getBytes(), "v".getBytes());
            }

            TableStateMachine table = new TableStateMachine(tableId, tables, dir.resolve("snapshots"), true, i -> {});
            engine.start();
            engine.openGroup(tableId, List.of(1L), new HoldingBegin(table, release))
                    .get();
            engine.campaign(tableId);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> engine.status(tableId)
                            .map(s -> s.role() == RaftRole.LEADER)
                            .orElse(false));
            // the previous replicator's first load step: committed, its apply held
            var begin = engine.propose(
                    tableId,
                    FollowerClusterEntry.newBuilder()
                            .setSnapshotBegin(SnapshotBegin.newBuilder().setLeaderIndex(3))
                            .build()
                            .toByteArray());
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> engine.status(tableId)
                            .map(s -> s.commitIndex() > s.appliedIndex())
                            .orElse(false));
            assertThat(table.table().isResetting()).isFalse();

            Replicator replicator =
                    new Replicator(tableId, table, engine, link, table.lag().orElseThrow(), active::get);
            Thread thread = Thread.ofVirtual().start(replicator);
            try {
                // the window in which the BEGIN is committed and not applied: a replicator that does not
                // wait for it pulls and proposes its first batch within milliseconds (a hold, not a wait)
                Thread.sleep(1_000);
                release.countDown();
                begin.get();
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                    assertThat(table.table().isResetting())
                            .as("the table still resets")
                            .isFalse();
                    assertThat(table.table()
                                    .range(RangeRequest.newBuilder()
                                            .setTable("t")
                                            .setKey(ByteString.copyFrom(new byte[] {0}))
                                            .setRangeEnd(ByteString.copyFrom(new byte[] {0}))
                                            .build())
                                    .getCount())
                            .isEqualTo(3);
                });
            } finally {
                active.set(false);
                release.countDown();
                thread.join(Duration.ofSeconds(15));
            }
        }
    }

    /** The table's state machine, holding the apply of a SNAPSHOT_BEGIN until released. */
    private record HoldingBegin(TableStateMachine table, CountDownLatch release) implements GroupStateMachine {
        @Override
        public long appliedIndex() {
            return table.appliedIndex();
        }

        @Override
        public Object apply(Entry entry) {
            if (entry.type() == EntryType.NORMAL && isBegin(entry)) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return table.apply(entry);
        }

        private static boolean isBegin(Entry entry) {
            try {
                return FollowerClusterEntry.parseFrom(entry.data()).hasSnapshotBegin();
            } catch (InvalidProtocolBufferException e) {
                return false;
            }
        }

        @Override
        public void syncApplied() {
            table.syncApplied();
        }

        @Override
        public SnapshotMeta takeSnapshot(SnapshotMeta identity) {
            return table.takeSnapshot(identity);
        }

        @Override
        public SnapshotMeta latestSnapshot() {
            return table.latestSnapshot();
        }

        @Override
        public void stageSnapshotChunk(SnapshotChunk chunk) {
            table.stageSnapshotChunk(chunk);
        }

        @Override
        public void installSnapshot(SnapshotMeta meta) {
            table.installSnapshot(meta);
        }

        @Override
        public SnapshotChunk read(SnapshotMeta meta, long offset, int maxBytes) {
            return table.read(meta, offset, maxBytes);
        }
    }
}
