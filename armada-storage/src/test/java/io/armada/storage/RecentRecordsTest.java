package io.armada.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.armada.api.v1.KeyValue;
import io.armada.api.v1.TableSnapshotChunk;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The apply path's memory of current records must never outlive the content it describes: after
 * a follower's snapshot load or a snapshot install replaced a table's keys, a write continues from
 * the new record (its version and create revision), not from the one remembered before.
 */
class RecentRecordsTest {
    @TempDir
    Path dir;

    @Test
    void aFollowerSnapshotLoadReplacesWhatTheApplyPathRemembered() {
        try (TableStore store = TableStore.open(dir.resolve("s"), StoreOptions.defaults())) {
            Table t = store.createTable(1);
            t.applyReplicated(1, 10, Requests.put("k", "old"));
            t.applyReplicated(2, 11, Requests.put("k", "old-2")); // remembered: version 2, created at 10
            t.beginReset(3);
            byte[] loaded =
                    new VersionedValue(40, 45, 5, "loaded".getBytes(java.nio.charset.StandardCharsets.UTF_8)).encode();
            t.loadRecords(
                    4, List.of(new SnapshotReader.Item("k".getBytes(java.nio.charset.StandardCharsets.UTF_8), loaded)));
            t.endReset(5, 50, 50);
            t.applyReplicated(6, 51, Requests.put("k", "new"));
            KeyValue kv = only(t);
            assertThat(kv.getVersion()).isEqualTo(6);
            assertThat(kv.getCreateRevision()).isEqualTo(40);
            assertThat(kv.getModRevision()).isEqualTo(51);
        }
    }

    @Test
    void aFollowerResetForgetsKeysTheLoadDoesNotBringBack() {
        try (TableStore store = TableStore.open(dir.resolve("s"), StoreOptions.defaults())) {
            Table t = store.createTable(1);
            t.applyReplicated(1, 10, Requests.put("gone", "x")); // remembered, then the reset deletes it
            t.beginReset(2);
            t.endReset(3, 20, 20);
            t.applyReplicated(4, 21, Requests.put("gone", "again"));
            KeyValue kv = only(t);
            assertThat(kv.getVersion())
                    .as("a re-created key starts at version 1")
                    .isEqualTo(1);
            assertThat(kv.getCreateRevision()).isEqualTo(21);
        }
    }

    @Test
    void aSnapshotInstallReplacesWhatTheApplyPathRemembered() {
        List<TableSnapshotChunk> snapshot = new ArrayList<>();
        try (TableStore store = TableStore.open(dir.resolve("source"), StoreOptions.defaults())) {
            Table source = store.createTable(1);
            source.apply(1, 1, Requests.put("k", "from-snapshot"));
            try (TableSnapshot s = source.snapshot()) {
                s.forEachRemaining(snapshot::add);
            }
        }
        try (TableStore store = TableStore.open(dir.resolve("target"), StoreOptions.defaults())) {
            Table t = store.createTable(1);
            for (long i = 1; i <= 3; i++) {
                t.apply(i, i, Requests.put("k", "local-" + i)); // remembered: version 3
            }
            store.installSnapshot(1, snapshot.iterator(), 4);
            t.apply(5, 5, Requests.put("k", "after"));
            KeyValue kv = only(t);
            assertThat(kv.getVersion()).isEqualTo(2);
            assertThat(kv.getCreateRevision()).isEqualTo(1);
        }
    }

    @Test
    void aStoreWithoutTheMemoryAndOneTooSmallForTheKeysApplyAlike() {
        List<KeyValue> expected = null;
        for (long bytes : new long[] {0, 512, 32L << 20}) {
            try (TableStore store = TableStore.open(
                    dir.resolve("s" + bytes), StoreOptions.defaults().withRecentRecordsBytes(bytes))) {
                Table t = store.createTable(1);
                long index = 0;
                for (int round = 0; round < 5; round++) {
                    for (int k = 0; k < 20; k++) {
                        index++;
                        t.apply(
                                index,
                                index,
                                k % 7 == round ? Requests.delete("k" + k, "") : Requests.put("k" + k, "v" + index));
                    }
                }
                List<KeyValue> kvs = t.range(Requests.all()).getKvsList();
                if (expected == null) {
                    expected = kvs;
                } else {
                    assertThat(kvs)
                            .as("with %d bytes of remembered records", bytes)
                            .isEqualTo(expected);
                }
            }
        }
    }

    private static KeyValue only(Table t) {
        var kvs = t.range(Requests.all()).getKvsList();
        assertThat(kvs).hasSize(1);
        return kvs.getFirst();
    }
}
