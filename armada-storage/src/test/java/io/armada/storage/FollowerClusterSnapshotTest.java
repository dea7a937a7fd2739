package io.armada.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.armada.api.v1.PutRequest;
import io.armada.api.v1.RangeRequest;
import io.armada.api.v1.TableSnapshotChunk;
import io.armada.internal.v1.Command;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A follower cluster's table in its own Raft snapshots: the stream carries whether a leader-cluster snapshot
 * load is unfinished and the exact leader-cluster index, so a node installing it neither serves a partial
 * table nor resumes replication after it; streams without the follower header (leader tables, and
 * streams written before it existed) still install.
 */
class FollowerClusterSnapshotTest {
    @TempDir
    Path dir;

    @Test
    void aSnapshotTakenMidLoadInstallsResettingWithItsSourceIndexAndTheLoadFinishesAfterAReopen() {
        List<SnapshotReader.Item> leader = leaderItems(30);
        List<TableSnapshotChunk> midLoad;
        try (TableStore store = TableStore.open(dir.resolve("a"), StoreOptions.defaults())) {
            Table t = store.createTable(1);
            t.applyReplicated(1, 12, put("stale", "x"));
            t.applyReplicated(2, 13, null); // a leader no-op: leader-cluster index 13 above revision 12
            t.beginReset(3);
            t.loadRecords(4, leader.subList(0, 10));
            midLoad = snapshotOf(t);
        }
        SnapshotReader header = new SnapshotReader(midLoad.iterator());
        assertThat(header.resetting()).isTrue();
        assertThat(header.leaderClusterIndex()).isEqualTo(13);
        assertThat(header.index()).isEqualTo(4);
        assertThat(header.revision()).isEqualTo(12);

        Path other = dir.resolve("b");
        try (TableStore store = TableStore.open(other, StoreOptions.defaults())) {
            Table t = store.createTable(1);
            t.applyReplicated(1, 50, put("mine", "y")); // settled, ahead: the install must replace all of it
            store.installSnapshot(1, midLoad.iterator(), 7); // as a Raft install does, at the local index
            assertThat(t.isResetting())
                    .as("a node installing it must not serve the partial table")
                    .isTrue();
            assertThat(t.leaderClusterIndex()).isEqualTo(13);
            assertThat(t.appliedIndex()).isEqualTo(7);
            assertThat(keys(t)).hasSize(10).doesNotContain("mine", "stale");
        }
        try (TableStore store = TableStore.open(other, StoreOptions.defaults())) {
            Table t = store.table(1);
            assertThat(t.isResetting()).as("stored, not only in memory").isTrue();
            assertThat(t.leaderClusterIndex()).isEqualTo(13);
            // a new replicator sees the load unfinished and restarts it from the beginning
            t.beginReset(8);
            t.loadRecords(9, leader.subList(0, 15));
            t.loadRecords(10, leader.subList(15, 30));
            t.endReset(11, 40, 30);
            assertThat(t.isResetting()).isFalse();
            assertThat(t.leaderClusterIndex()).isEqualTo(40);
            assertThat(t.revision()).isEqualTo(30);
            assertThat(keys(t)).hasSize(30).contains("k1", "k17", "k30");
            assertThat(value(t, "k17")).isEqualTo("v17");
        }
    }

    @Test
    void aFirstLoadCutShortCarriesTheResetMarkWithoutASourceIndex() {
        List<TableSnapshotChunk> midFirstLoad;
        try (TableStore store = TableStore.open(dir.resolve("a"), StoreOptions.defaults())) {
            Table t = store.createTable(1);
            t.beginReset(1); // a new follower table: nothing replicated yet
            t.loadRecords(2, leaderItems(5));
            midFirstLoad = snapshotOf(t);
        }
        try (TableStore store = TableStore.open(dir.resolve("b"), StoreOptions.defaults())) {
            Table t = store.installSnapshot(store.createTable(1).id(), midFirstLoad.iterator());
            assertThat(t.isResetting()).isTrue();
            assertThat(t.leaderClusterIndex()).isZero();
        }
        try (TableStore store = TableStore.open(dir.resolve("b"), StoreOptions.defaults())) {
            assertThat(store.table(1).isResetting()).isTrue();
        }
    }

    @Test
    void aSettledFollowerSnapshotCarriesItsExactSourceIndexAndClearsAResetOnTheTarget() {
        List<TableSnapshotChunk> settled;
        try (TableStore store = TableStore.open(dir.resolve("a"), StoreOptions.defaults())) {
            Table t = store.createTable(1);
            t.applyReplicated(1, 12, put("a", "1"));
            t.applyReplicated(2, 13, null);
            settled = snapshotOf(t);
        }
        Path other = dir.resolve("b");
        try (TableStore store = TableStore.open(other, StoreOptions.defaults())) {
            Table t = store.createTable(1);
            t.beginReset(1); // the target was mid-load itself: the installed state replaces that too
            store.installSnapshot(1, settled.iterator());
            assertThat(t.isResetting()).isFalse();
            assertThat(t.leaderClusterIndex()).as("exact, not the revision 12").isEqualTo(13);
            assertThat(value(t, "a")).isEqualTo("1");
        }
        try (TableStore store = TableStore.open(other, StoreOptions.defaults())) {
            Table t = store.table(1);
            assertThat(t.isResetting()).isFalse();
            assertThat(t.leaderClusterIndex()).isEqualTo(13);
            t.applyReplicated(3, 13, put("a", "replayed")); // at or below the leader-cluster index: skipped
            assertThat(value(t, "a")).isEqualTo("1");
        }
    }

    @Test
    void aLeaderTableKeepsThePlainHeaderAndInstallingItDropsTheTargetsFollowerMarkers() {
        List<TableSnapshotChunk> leaderSnapshot;
        try (TableStore store = TableStore.open(dir.resolve("leader"), StoreOptions.defaults())) {
            Table t = store.createTable(1);
            for (int i = 1; i <= 5; i++) {
                t.apply(i, i, put("k" + i, "v" + i));
            }
            leaderSnapshot = snapshotOf(t);
        }
        // readers that predate the follower header (other clusters, other nodes) still read a leader cluster's
        // snapshots
        assertThat(ByteBuffer.wrap(leaderSnapshot.get(0).getData().toByteArray())
                        .getLong())
                .isEqualTo(5);
        SnapshotReader reader = new SnapshotReader(leaderSnapshot.iterator());
        assertThat(reader.resetting()).isFalse();
        assertThat(reader.leaderClusterIndex()).isZero();

        Path follower = dir.resolve("follower");
        try (TableStore store = TableStore.open(follower, StoreOptions.defaults())) {
            Table t = store.createTable(1);
            t.applyReplicated(1, 90, null);
            t.beginReset(2);
            store.installSnapshot(1, leaderSnapshot.iterator());
            assertThat(t.isResetting()).isFalse();
            assertThat(t.leaderClusterIndex())
                    .as("the revision, not the replaced table's 90")
                    .isEqualTo(5);
        }
        try (TableStore store = TableStore.open(follower, StoreOptions.defaults())) {
            assertThat(store.table(1).isResetting()).isFalse();
            assertThat(store.table(1).leaderClusterIndex()).isEqualTo(5);
        }
    }

    @Test
    void aStreamInTheFormatBeforeFollowerHeadersStillInstalls() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeLong(8); // index
        out.writeLong(6); // revision
        for (int i = 1; i <= 6; i++) {
            byte[] key = ("old" + i).getBytes(StandardCharsets.UTF_8);
            byte[] record = VersionedValue.put(null, i, ("value" + i).getBytes(StandardCharsets.UTF_8))
                    .encode();
            out.writeInt(key.length);
            out.write(key);
            out.writeInt(record.length);
            out.write(record);
        }
        List<TableSnapshotChunk> oldStream = chunked(bytes.toByteArray(), 6, 40);
        assertThat(oldStream).hasSizeGreaterThan(2);

        Path follower = dir.resolve("follower");
        try (TableStore store = TableStore.open(follower, StoreOptions.defaults())) {
            Table t = store.createTable(1);
            t.applyReplicated(1, 20, put("mine", "y"));
            t.beginReset(2);
            store.installSnapshot(1, oldStream.iterator());
            assertThat(t.appliedIndex()).isEqualTo(8);
            assertThat(t.revision()).isEqualTo(6);
            assertThat(t.isResetting()).isFalse();
            assertThat(t.leaderClusterIndex())
                    .as("an old stream knows only the revision")
                    .isEqualTo(6);
            assertThat(keys(t)).containsExactly("old1", "old2", "old3", "old4", "old5", "old6");
        }
        try (TableStore store = TableStore.open(follower, StoreOptions.defaults())) {
            Table t = store.table(1);
            assertThat(t.isResetting()).isFalse();
            assertThat(t.leaderClusterIndex()).isEqualTo(6);
            assertThat(value(t, "old4")).isEqualTo("value4");
        }
    }

    @Test
    void aCorruptHeaderIsRejectedAndLeavesTheTableAsItWas() {
        long marked = TableSnapshot.FOLLOWER_CLUSTER_HEADER;
        List<long[]> corruptHeaders = List.of(
                new long[] {-5, 1}, // neither an index nor the follower mark
                new long[] {marked ^ 1, 4, 3, 0, 7}, // a different mark: a layout this reader does not know
                new long[] {marked, 4, 3, 4, 7}, // an unknown flag
                new long[] {marked, 4, 3, TableSnapshot.FLAG_RESETTING, -7}, // a negative leader-cluster index
                new long[] {marked, -4, 3, 0, 7}, // a negative index
                new long[] {5, -3}, // a negative revision
                new long[] {marked, 4, 3}); // cut short
        Path follower = dir.resolve("follower");
        try (TableStore store = TableStore.open(follower, StoreOptions.defaults())) {
            Table t = store.createTable(1);
            t.applyReplicated(1, 12, put("mine", "y"));
            t.applyReplicated(2, 13, null);
            t.beginReset(3);
            t.loadRecords(4, leaderItems(3));
            byte[] digest = t.digest();
            for (long[] header : corruptHeaders) {
                ByteBuffer stream = ByteBuffer.allocate(header.length * Long.BYTES);
                Arrays.stream(header).forEach(stream::putLong);
                assertThatThrownBy(() -> store.installSnapshot(
                                1, chunked(stream.array(), 3, 1 << 10).iterator()))
                        .as(Arrays.toString(header))
                        .isInstanceOf(TableStore.InvalidSnapshotException.class)
                        .hasMessageContaining("header");
                assertThat(t.digest()).isEqualTo(digest);
                assertThat(t.isResetting()).isTrue();
                assertThat(t.leaderClusterIndex()).isEqualTo(13);
                assertThat(t.appliedIndex()).isEqualTo(4);
            }
        }
        try (TableStore store = TableStore.open(follower, StoreOptions.defaults())) {
            assertThat(store.table(1).isResetting()).isTrue();
            assertThat(store.table(1).leaderClusterIndex()).isEqualTo(13);
        }
    }

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

    /** Every key of the table, in order. */
    private static List<String> keys(Table t) {
        return t
                .range(RangeRequest.newBuilder()
                        .setTable("t")
                        .setKey(ByteString.copyFrom(new byte[] {0}))
                        .setRangeEnd(ByteString.copyFrom(new byte[] {0}))
                        .setKeysOnly(true)
                        .build())
                .getKvsList()
                .stream()
                .map(kv -> kv.getKey().toStringUtf8())
                .toList();
    }

    private static List<TableSnapshotChunk> snapshotOf(Table t) {
        List<TableSnapshotChunk> chunks = new ArrayList<>();
        try (TableSnapshot s = t.snapshot()) {
            s.forEachRemaining(chunks::add);
        }
        return chunks;
    }

    /** A snapshot byte stream framed as {@link TableSnapshot#next()} frames it: the CRC32C of it all on the last chunk. */
    private static List<TableSnapshotChunk> chunked(byte[] stream, long revision, int chunkBytes) {
        CRC32C crc = new CRC32C();
        crc.update(stream);
        List<TableSnapshotChunk> chunks = new ArrayList<>();
        for (int from = 0; from < stream.length; from += chunkBytes) {
            int to = Math.min(stream.length, from + chunkBytes);
            TableSnapshotChunk.Builder c = TableSnapshotChunk.newBuilder()
                    .setRevision(revision)
                    .setData(ByteString.copyFrom(stream, from, to - from))
                    .setLast(to == stream.length);
            if (to == stream.length) {
                c.setChecksum((int) crc.getValue());
            }
            chunks.add(c.build());
        }
        return chunks;
    }

    /** The records of a leader table of {@code n} keys {@code k1..kn}, as its snapshot carries them. */
    private List<SnapshotReader.Item> leaderItems(int n) {
        try (TableStore leader = TableStore.open(dir.resolve("leader-items-" + n), StoreOptions.defaults())) {
            Table t = leader.createTable(1);
            for (int i = 1; i <= n; i++) {
                t.apply(i, i, put("k" + i, "v" + i));
            }
            List<SnapshotReader.Item> items = new ArrayList<>();
            new SnapshotReader(snapshotOf(t).iterator()).forEachRemaining(items::add);
            return items;
        }
    }
}
