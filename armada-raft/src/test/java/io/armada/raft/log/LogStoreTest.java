package io.armada.raft.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogStoreTest {
    @TempDir Path dir;
    private final AtomicReference<Throwable> fatal = new AtomicReference<>();
    private LogStore store;

    private LogStore open() {
        store = LogStore.open(dir, LogStoreOptions.defaults(), fatal::set);
        return store;
    }

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
        assertThat(fatal.get()).isNull();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> payloads(List<StoredEntry> entries) {
        return entries.stream().map(e -> new String(e.payload(), StandardCharsets.UTF_8)).toList();
    }

    @Test
    void oneBatchCarriesManyGroupsAndSurvivesReopen() {
        open();
        LogStore.Batch batch = store.batch();
        for (long group = 1; group <= 3; group++) {
            for (long i = 1; i <= 5; i++) {
                batch.append(group, i, 1, bytes("g" + group + "e" + i));
            }
            batch.hardState(group, bytes("hs" + group));
        }
        store.write(batch, true);
        store.close();

        open();
        assertThat(store.groups()).containsExactlyInAnyOrder(1L, 2L, 3L);
        assertThat(store.firstIndex(2)).isEqualTo(1);
        assertThat(store.lastIndex(2)).isEqualTo(5);
        assertThat(payloads(store.entries(2, 2, 5, Long.MAX_VALUE))).containsExactly("g2e2", "g2e3", "g2e4");
        assertThat(store.hardState(3)).isEqualTo(bytes("hs3"));
        assertThat(store.term(1, 5)).isEqualTo(1);
        assertThat(store.term(1, 6)).isEqualTo(-1);
    }

    @Test
    void appendingBelowTheLastIndexReplacesTheSuffix() {
        open();
        LogStore.Batch first = store.batch();
        for (long i = 1; i <= 5; i++) {
            first.append(7, i, 1, bytes("old" + i));
        }
        store.write(first, true);

        store.write(store.batch().append(7, 3, 2, bytes("new3")), true);

        assertThat(store.lastIndex(7)).isEqualTo(3);
        assertThat(payloads(store.entries(7, 1, 10, Long.MAX_VALUE))).containsExactly("old1", "old2", "new3");
        assertThat(store.term(7, 3)).isEqualTo(2);
        assertThat(store.term(7, 4)).isEqualTo(-1);
    }

    @Test
    void aHoleInTheLogIsRefused() {
        open();
        store.write(store.batch().append(1, 1, 1, bytes("a")), true);
        assertThatThrownBy(() -> store.batch().append(1, 3, 1, bytes("c")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("hole");
    }

    @Test
    void compactionDropsThePrefixOfOneGroupOnly() {
        open();
        LogStore.Batch batch = store.batch();
        for (long i = 1; i <= 10; i++) {
            batch.append(1, i, 1, bytes("a" + i)).append(2, i, 1, bytes("b" + i));
        }
        store.write(batch, true);

        store.write(store.batch().compact(1, 6).snapshotMeta(1, bytes("snap@6")), true);

        assertThat(store.firstIndex(1)).isEqualTo(7);
        assertThat(store.firstIndex(2)).isEqualTo(1);
        assertThat(payloads(store.entries(1, 7, 11, Long.MAX_VALUE))).containsExactly("a7", "a8", "a9", "a10");
        store.close();
        open();
        assertThat(store.firstIndex(1)).isEqualTo(7);
        assertThat(store.lastIndex(1)).isEqualTo(10);
        assertThat(store.snapshotMeta(1)).isEqualTo(bytes("snap@6"));
    }

    @Test
    void compactingPastTheEndLeavesNoEntriesAndAppendingResumesAfterTheSnapshot() {
        open();
        store.write(store.batch().append(1, 1, 1, bytes("a")).append(1, 2, 1, bytes("b")), true);
        store.write(store.batch().compact(1, 50), true);
        assertThat(store.lastIndex(1)).isZero();
        store.write(store.batch().append(1, 51, 3, bytes("x")), true);
        assertThat(store.firstIndex(1)).isEqualTo(51);
        assertThat(payloads(store.entries(1, 51, 52, 0))).containsExactly("x");
    }

    @Test
    void entriesStopAtTheByteLimitButReturnAtLeastOne() {
        open();
        LogStore.Batch batch = store.batch();
        for (long i = 1; i <= 10; i++) {
            batch.append(1, i, 1, new byte[100]);
        }
        store.write(batch, true);
        assertThat(store.entries(1, 1, 11, 250)).hasSize(2);
        assertThat(store.entries(1, 1, 11, 10)).hasSize(1);
    }

    @Test
    void removingAGroupLeavesOthersIntact() {
        open();
        store.write(store.batch().append(1, 1, 1, bytes("a")).hardState(1, bytes("h1"))
                .append(2, 1, 1, bytes("b")).hardState(2, bytes("h2")), true);
        store.write(store.batch().removeGroup(1), true);
        assertThat(store.groups()).containsExactly(2L);
        assertThat(store.hardState(1)).isNull();
        assertThat(payloads(store.entries(2, 1, 2, Long.MAX_VALUE))).containsExactly("b");
    }

    @Test
    void fsyncDelayWaitsAfterEverySyncedWriteOnlyWhileSet() {
        List<Long> slept = new java.util.ArrayList<>();
        FsyncDelay delay = new FsyncDelay(slept::add);
        store = LogStore.open(dir, LogStoreOptions.defaults(), fatal::set, delay);
        assertThat(store.fsyncDelay()).isSameAs(delay);
        store.write(store.batch().append(1, 1, 1, bytes("off")), true);
        assertThat(slept).as("off by default").isEmpty();

        delay.set(750);
        store.write(store.batch().append(1, 2, 1, bytes("unsynced")), false);
        assertThat(slept).as("an unsynced write is not on the acknowledgement path").isEmpty();
        store.write(store.batch().append(1, 3, 1, bytes("synced")), true);
        assertThat(slept).containsExactly(750L);
        assertThat(store.lastIndex(1)).as("the write itself happened").isEqualTo(3);

        delay.set(0);
        store.write(store.batch().append(1, 4, 1, bytes("off again")), true);
        assertThat(slept).containsExactly(750L);
        assertThatThrownBy(() -> delay.set(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> delay.set(FsyncDelay.MAX_MILLIS + 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aSyncedWriteTakesAtLeastTheDelay() {
        open();
        store.fsyncDelay().set(200);
        long start = System.nanoTime();
        store.write(store.batch().append(1, 1, 1, bytes("slow")), true);
        // a lower bound only: how much longer the fsync itself takes depends on the machine
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(200_000_000L);
    }
}
