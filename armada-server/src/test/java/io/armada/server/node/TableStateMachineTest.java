package io.armada.server.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.armada.api.v1.PutRequest;
import io.armada.api.v1.RangeRequest;
import io.armada.internal.v1.Command;
import io.armada.internal.v1.CommandResult;
import io.armada.internal.v1.FollowerClusterEntry;
import io.armada.internal.v1.ReplicatedBatch;
import io.armada.internal.v1.ReplicatedEntry;
import io.armada.raft.ConfState;
import io.armada.raft.Entry;
import io.armada.raft.EntryType;
import io.armada.raft.SnapshotChunk;
import io.armada.raft.SnapshotMeta;
import io.armada.storage.StoreOptions;
import io.armada.storage.TableStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A table's Raft state machine on real RocksDB: apply at the entry's index, snapshot to a file, install elsewhere. */
class TableStateMachineTest {
    @TempDir
    Path dir;

    private static Entry put(long index, String key, String value) {
        Command c = Command.newBuilder()
                .setPut(PutRequest.newBuilder()
                        .setTable("t")
                        .setKey(ByteString.copyFromUtf8(key))
                        .setValue(ByteString.copyFromUtf8(value)))
                .build();
        return new Entry(1, index, EntryType.NORMAL, c.toByteArray());
    }

    @Test
    void aSnapshotStreamedInSmallChunksInstallsTheSameTableOnAnotherNodeAndSurvivesReopen() {
        SnapshotMeta meta = new SnapshotMeta(501, 1, ConfState.ofVoters(1L, 2L, 3L));
        List<SnapshotChunk> chunks = new ArrayList<>();
        try (TableStore source = TableStore.open(dir.resolve("a"), StoreOptions.defaults())) {
            TableStateMachine sm = new TableStateMachine(7, source, dir.resolve("a-snap"), false, i -> {});
            sm.apply(new Entry(1, 1, EntryType.NOOP, new byte[0]));
            for (int i = 2; i <= 501; i++) {
                sm.apply(put(i, "key-" + (i % 300), "value-" + i));
            }
            assertThat(sm.takeSnapshot(meta)).isEqualTo(meta);
            assertThat(sm.latestSnapshot()).isEqualTo(meta);
            long offset = 0;
            SnapshotChunk c;
            do {
                c = sm.read(meta, offset, 1000);
                chunks.add(c);
                offset = c.end();
            } while (!c.last());
            assertThat(chunks).hasSizeGreaterThan(5);
            assertThat(sm.read(new SnapshotMeta(9, 1, meta.confState()), 0, 10))
                    .as("an unknown snapshot")
                    .isNull();
        }
        try (TableStore target = TableStore.open(dir.resolve("b"), StoreOptions.defaults())) {
            TableStateMachine sm = new TableStateMachine(7, target, dir.resolve("b-snap"), false, i -> {});
            chunks.forEach(sm::stageSnapshotChunk);
            sm.installSnapshot(meta);
            assertThat(sm.appliedIndex()).isEqualTo(501);
            assertThat(sm.latestSnapshot()).isEqualTo(meta);
            assertThat(sm.table().range(all()).getCount()).isEqualTo(300);
            assertThat(sm.table()
                            .range(RangeRequest.newBuilder()
                                    .setTable("t")
                                    .setKey(ByteString.copyFromUtf8("key-1"))
                                    .build())
                            .getKvs(0)
                            .getValue()
                            .toStringUtf8())
                    .isEqualTo("value-301");
        }
        try (TableStore reopened = TableStore.open(dir.resolve("b"), StoreOptions.defaults())) {
            TableStateMachine sm = new TableStateMachine(7, reopened, dir.resolve("b-snap"), false, i -> {});
            assertThat(sm.appliedIndex()).isEqualTo(501);
            assertThat(sm.latestSnapshot())
                    .as("the snapshot identity survives a restart")
                    .isEqualTo(meta);
            assertThat(sm.table().range(all()).getCount()).isEqualTo(300);
        }
    }

    /**
     * Issue 13, finding 1, on the node's side: the snapshot file is fsynced and the table's applies
     * are not, so after a power loss the table may stand before its own snapshot, whose entries the
     * log no longer holds. The state machine then restores the table from the file.
     */
    @Test
    void aTableBehindItsOwnSnapshotFileIsRestoredFromIt() throws Exception {
        SnapshotMeta meta = new SnapshotMeta(501, 1, ConfState.ofVoters(1L, 2L, 3L));
        try (TableStore store = TableStore.open(dir.resolve("a"), StoreOptions.defaults())) {
            TableStateMachine sm = new TableStateMachine(7, store, dir.resolve("snap"), false, i -> {});
            for (int i = 1; i <= 501; i++) {
                sm.apply(put(i, "key-" + (i % 300), "value-" + i));
            }
            sm.takeSnapshot(meta);
        }
        // what the power loss left: the table's store at index 100 (its later applies unsynced), the snapshot file
        try (TableStore store = TableStore.open(dir.resolve("b"), StoreOptions.defaults())) {
            TableStateMachine before = new TableStateMachine(7, store, dir.resolve("b-snap"), false, i -> {});
            for (int i = 1; i <= 100; i++) {
                before.apply(put(i, "key-" + (i % 300), "value-" + i));
            }
        }
        try (TableStore store = TableStore.open(dir.resolve("b"), StoreOptions.defaults())) {
            TableStateMachine sm = new TableStateMachine(7, store, dir.resolve("snap"), false, i -> {});
            assertThat(sm.appliedIndex()).isEqualTo(501);
            assertThat(sm.table().range(all()).getCount()).isEqualTo(300);
            assertThat(sm.table()
                            .range(RangeRequest.newBuilder()
                                    .setTable("t")
                                    .setKey(ByteString.copyFromUtf8("key-1"))
                                    .build())
                            .getKvs(0)
                            .getValue()
                            .toStringUtf8())
                    .isEqualTo("value-301");
        }
    }

    /**
     * A crash between a new snapshot's data file and its meta must leave the old pair: the old
     * identity is never served with the new bytes (a follower would install them at the wrong index).
     */
    @Test
    void aDataFileACrashLeftWithoutItsMetaIsNeverServedAndIsRemovedAtOpen() throws Exception {
        SnapshotMeta meta = new SnapshotMeta(20, 1, ConfState.ofVoters(1L, 2L, 3L));
        Path snapDir = dir.resolve("snap");
        byte[] original;
        try (TableStore store = TableStore.open(dir.resolve("s"), StoreOptions.defaults())) {
            TableStateMachine sm = new TableStateMachine(7, store, snapDir, false, i -> {});
            for (int i = 1; i <= 20; i++) {
                sm.apply(put(i, "k" + i, "v" + i));
            }
            sm.takeSnapshot(meta);
            original = sm.read(meta, 0, 1 << 20).data();
            // the next snapshot's data file, renamed into place when the crash came (its meta never was)
            java.nio.file.Files.write(snapDir.resolve("snapshot-40-1.data"), new byte[] {1, 2, 3});
        }
        try (TableStore store = TableStore.open(dir.resolve("s"), StoreOptions.defaults())) {
            TableStateMachine sm = new TableStateMachine(7, store, snapDir, false, i -> {});
            assertThat(sm.latestSnapshot()).isEqualTo(meta);
            assertThat(sm.read(meta, 0, 1 << 20).data()).isEqualTo(original);
            assertThat(snapDir.resolve("snapshot-40-1.data")).doesNotExist();
        }
    }

    @Test
    void everyEntryIsAppliedAtItsIndexAsRevision() {
        try (TableStore store = TableStore.open(dir.resolve("s"), StoreOptions.defaults())) {
            List<Long> seen = new ArrayList<>();
            TableStateMachine sm = new TableStateMachine(3, store, dir.resolve("snap"), false, seen::add);
            sm.apply(new Entry(1, 4, EntryType.NOOP, new byte[0]));
            Object result = sm.apply(put(5, "a", "1"));
            assertThat(((CommandResult) result).getPut().getHeader().getRevision())
                    .isEqualTo(5);
            assertThat(sm.table().range(all()).getKvs(0).getModRevision()).isEqualTo(5);
            assertThat(seen).containsExactly(4L, 5L);
        }
    }

    @Test
    void aRoundOfEntriesAppliesAsRunsWithOneResultPerEntryAndEveryIndexReported() {
        try (TableStore store = TableStore.open(dir.resolve("s"), StoreOptions.defaults())) {
            List<Long> seen = new ArrayList<>();
            TableStateMachine sm = new TableStateMachine(3, store, dir.resolve("snap"), false, seen::add);
            List<Object> results = sm.applyAll(List.of(
                    put(1, "a", "1"),
                    put(2, "a", "2"),
                    new Entry(2, 3, EntryType.NOOP, new byte[0]),
                    put(4, "a", "3"),
                    put(5, "b", "1")));
            assertThat(results).hasSize(5);
            assertThat(results.get(2)).isNull();
            assertThat(((CommandResult) results.get(1)).getPut().getHeader().getRevision())
                    .isEqualTo(2);
            assertThat(((CommandResult) results.get(4)).getPut().getHeader().getRevision())
                    .isEqualTo(5);
            var a = sm.table().range(all()).getKvs(0);
            assertThat(a.getValue().toStringUtf8()).isEqualTo("3");
            assertThat(a.getVersion()).isEqualTo(3); // each put of the run saw the one before it
            assertThat(a.getCreateRevision()).isEqualTo(1);
            assertThat(a.getModRevision()).isEqualTo(4);
            assertThat(sm.position()).isEqualTo(5);
            assertThat(seen).containsExactly(1L, 2L, 3L, 4L, 5L);
        }
    }

    private static RangeRequest all() {
        return RangeRequest.newBuilder()
                .setTable("t")
                .setKey(ByteString.copyFrom(new byte[] {0}))
                .setRangeEnd(ByteString.copyFrom(new byte[] {0}))
                .build();
    }

    private static Entry followerBatch(long index, long... leaderClusterIndexes) {
        ReplicatedBatch.Builder b = ReplicatedBatch.newBuilder()
                .setLeaderAppliedIndex(leaderClusterIndexes[leaderClusterIndexes.length - 1])
                .setLeaderRevision(leaderClusterIndexes[leaderClusterIndexes.length - 1]);
        for (long li : leaderClusterIndexes) {
            Command c = Command.newBuilder()
                    .setPut(PutRequest.newBuilder()
                            .setTable("t")
                            .setKey(ByteString.copyFromUtf8("k" + li))
                            .setValue(ByteString.copyFromUtf8("v" + li)))
                    .build();
            b.addEntries(ReplicatedEntry.newBuilder().setIndex(li).setCommand(c));
        }
        return new Entry(
                1,
                index,
                EntryType.NORMAL,
                FollowerClusterEntry.newBuilder().setBatch(b).build().toByteArray());
    }

    @Test
    void aFollowerTableSkipsABatchThatWouldLeaveAGapAndTakesItsReplayLater() {
        try (TableStore store = TableStore.open(dir.resolve("f"), StoreOptions.defaults())) {
            TableStateMachine sm = new TableStateMachine(7, store, dir.resolve("f-snap"), true, i -> {});
            sm.apply(followerBatch(1, 1, 2));
            assertThat(sm.position()).isEqualTo(2);
            sm.apply(followerBatch(2, 5, 6)); // leader-cluster entries 3-4 were in a batch that never committed
            assertThat(sm.position()).as("the batch after the gap is skipped").isEqualTo(2);
            assertThat(sm.appliedIndex()).isEqualTo(2);
            assertThat(sm.table().range(all()).getCount()).isEqualTo(2);
            sm.apply(followerBatch(3, 2, 3, 4)); // the replicator pulled again from what applied; 2 is a replay
            sm.apply(followerBatch(4, 5, 6));
            assertThat(sm.position()).isEqualTo(6);
            assertThat(sm.table().range(all()).getCount()).isEqualTo(6);
            assertThat(sm.table().revision()).isEqualTo(6);
        }
    }
}
