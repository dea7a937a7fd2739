package io.armada.storage;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.armada.api.v1.PutRequest;
import io.armada.api.v1.RangeRequest;
import io.armada.api.v1.TableSnapshotChunk;
import io.armada.internal.v1.Command;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A follower cluster's table: leader-cluster entries stamped with the leader cluster's index, and a leader-cluster snapshot loaded in steps. */
class ReplicatedApplyTest {
    @TempDir
    Path dir;

    private static Command put(String key, String value) {
        return Command.newBuilder()
                .setPut(PutRequest.newBuilder()
                        .setTable("t")
                        .setKey(ByteString.copyFromUtf8(key))
                        .setValue(ByteString.copyFromUtf8(value)))
                .build();
    }

    private static String value(Table t, String key) {
        var r = t.range(RangeRequest.newBuilder()
                .setTable("t")
                .setKey(ByteString.copyFromUtf8(key))
                .build());
        return r.getKvsCount() == 0 ? null : r.getKvs(0).getValue().toStringUtf8();
    }

    @Test
    void leaderEntriesStampTheLeaderIndexAndAReplayIsSkippedAcrossARestart() {
        try (TableStore store = TableStore.open(dir, StoreOptions.defaults())) {
            Table t = store.createTable(7);
            // local entry 1 carries leader-cluster entries 10 (no-op), 11 and 12
            t.applyReplicated(1, 10, null);
            t.applyReplicated(1, 11, put("a", "1"));
            t.applyReplicated(1, 12, put("a", "2"));
            assertThat(t.revision()).isEqualTo(12);
            assertThat(t.leaderClusterIndex()).isEqualTo(12);
            t.applyReplicated(2, 13, null); // a leader no-op moves the leader-cluster index, not the revision
            assertThat(t.revision()).isEqualTo(12);
            assertThat(t.leaderClusterIndex()).isEqualTo(13);
        }
        try (TableStore store = TableStore.open(dir, StoreOptions.defaults())) {
            Table t = store.table(7);
            assertThat(t.leaderClusterIndex()).isEqualTo(13);
            assertThat(t.appliedIndex()).isEqualTo(2);
            // local entry 2 replayed after the restart: its leader-cluster entries are skipped, nothing doubles
            t.applyReplicated(2, 12, put("a", "replayed"));
            t.applyReplicated(2, 13, null);
            assertThat(value(t, "a")).isEqualTo("2");
            var kv = t.range(RangeRequest.newBuilder()
                            .setTable("t")
                            .setKey(ByteString.copyFromUtf8("a"))
                            .build())
                    .getKvs(0);
            assertThat(kv.getModRevision()).isEqualTo(12);
            assertThat(kv.getVersion()).isEqualTo(2);
        }
    }

    @Test
    void aLeaderSnapshotLoadedInStepsReplacesTheTableAndSurvivesARestartHalfway() {
        List<TableSnapshotChunk> leaderSnapshot = new ArrayList<>();
        try (TableStore leader = TableStore.open(dir.resolve("leader"), StoreOptions.defaults())) {
            Table t = leader.createTable(1);
            for (int i = 1; i <= 50; i++) {
                t.apply(i, i, put("k" + i, "v" + i));
            }
            try (TableSnapshot s = t.snapshot()) {
                s.forEachRemaining(leaderSnapshot::add);
            }
        }
        SnapshotReader reader = new SnapshotReader(leaderSnapshot.iterator());
        assertThat(reader.index()).isEqualTo(50);
        List<SnapshotReader.Item> items = new ArrayList<>();
        reader.forEachRemaining(items::add);
        assertThat(items).hasSize(50);

        Path followerDir = dir.resolve("follower");
        try (TableStore store = TableStore.open(followerDir, StoreOptions.defaults())) {
            Table t = store.createTable(1);
            t.applyReplicated(1, 3, put("stale", "x"));
            t.beginReset(2);
            assertThat(t.isResetting()).isTrue();
            assertThat(value(t, "stale")).isNull();
            t.loadRecords(3, items.subList(0, 20));
        }
        try (TableStore store = TableStore.open(followerDir, StoreOptions.defaults())) {
            Table t = store.table(1);
            assertThat(t.isResetting()).isTrue(); // the load resumes after the restart
            t.loadRecords(3, items.subList(0, 20)); // replayed: skipped
            t.loadRecords(4, items.subList(20, 50));
            t.endReset(5, 50, reader.revision());
            assertThat(t.isResetting()).isFalse();
            assertThat(t.revision()).isEqualTo(50);
            assertThat(t.leaderClusterIndex()).isEqualTo(50);
            assertThat(value(t, "k17")).isEqualTo("v17");
            assertThat(t.range(RangeRequest.newBuilder()
                                    .setTable("t")
                                    .setKey(ByteString.copyFromUtf8("k"))
                                    .setRangeEnd(ByteString.copyFromUtf8("l"))
                                    .setCountOnly(true)
                                    .build())
                            .getCount())
                    .isEqualTo(50);
            t.applyReplicated(6, 51, put("k1", "new"));
            assertThat(t.revision()).isEqualTo(51);
        }
    }

    @Test
    void aRaftSnapshotTakenInTheMiddleOfALoadCarriesTheLoadAndTheSourceIndex() {
        List<SnapshotReader.Item> items = leaderItems(30);
        List<TableSnapshotChunk> midLoad = new ArrayList<>();
        List<TableSnapshotChunk> settled = new ArrayList<>();
        try (TableStore store = TableStore.open(dir.resolve("a"), StoreOptions.defaults())) {
            Table t = store.createTable(1);
            t.applyReplicated(1, 12, put("x", "1"));
            t.applyReplicated(2, 13, null); // leader-cluster index 13 above revision 12
            try (TableSnapshot s = t.snapshot()) {
                s.forEachRemaining(settled::add);
            }
            t.beginReset(3);
            t.loadRecords(4, items.subList(0, 10));
            try (TableSnapshot s = t.snapshot()) {
                s.forEachRemaining(midLoad::add);
            }
        }
        Path other = dir.resolve("b");
        try (TableStore store = TableStore.open(other, StoreOptions.defaults())) {
            Table settledCopy = store.installSnapshot(store.createTable(2).id(), settled.iterator());
            assertThat(settledCopy.leaderClusterIndex()).isEqualTo(13);
            assertThat(settledCopy.isResetting()).isFalse();
            Table t = store.installSnapshot(store.createTable(1).id(), midLoad.iterator());
            assertThat(t.isResetting())
                    .as("a node installing it must not serve the partial table")
                    .isTrue();
        }
        try (TableStore store = TableStore.open(other, StoreOptions.defaults())) {
            Table t = store.table(1);
            assertThat(t.isResetting()).isTrue(); // stored, not only in memory
            t.loadRecords(5, items.subList(10, 30));
            t.endReset(6, 40, 39);
            assertThat(t.isResetting()).isFalse();
            assertThat(t.leaderClusterIndex()).isEqualTo(40);
            assertThat(t.range(RangeRequest.newBuilder()
                                    .setTable("t")
                                    .setKey(ByteString.copyFromUtf8("k"))
                                    .setRangeEnd(ByteString.copyFromUtf8("l"))
                                    .setCountOnly(true)
                                    .build())
                            .getCount())
                    .isEqualTo(30);
        }
    }

    @Test
    void aSnapshotHeaderThatIsNeitherFormatIsRejected() {
        byte[] header = java.nio.ByteBuffer.allocate(16).putLong(-5).putLong(1).array();
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(header);
        TableSnapshotChunk only = TableSnapshotChunk.newBuilder()
                .setData(ByteString.copyFrom(header))
                .setLast(true)
                .setChecksum((int) crc.getValue())
                .build();
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> new SnapshotReader(List.of(only).iterator()))
                .isInstanceOf(TableStore.InvalidSnapshotException.class)
                .hasMessageContaining("header");
    }

    /** The records of a leader table of {@code n} keys, as its snapshot carries them. */
    private List<SnapshotReader.Item> leaderItems(int n) {
        try (TableStore leader = TableStore.open(dir.resolve("leader-items"), StoreOptions.defaults())) {
            Table t = leader.createTable(1);
            for (int i = 1; i <= n; i++) {
                t.apply(i, i, put("k" + i, "v" + i));
            }
            List<TableSnapshotChunk> chunks = new ArrayList<>();
            try (TableSnapshot s = t.snapshot()) {
                s.forEachRemaining(chunks::add);
            }
            List<SnapshotReader.Item> items = new ArrayList<>();
            new SnapshotReader(chunks.iterator()).forEachRemaining(items::add);
            return items;
        }
    }
}
