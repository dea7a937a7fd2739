package io.armada.raft.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogStoreTest {
    @TempDir
    Path dir;

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
        return entries.stream()
                .map(e -> new String(e.payload(), StandardCharsets.UTF_8))
                .toList();
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
        store.write(
                store.batch()
                        .append(1, 1, 1, bytes("a"))
                        .hardState(1, bytes("h1"))
                        .append(2, 1, 1, bytes("b"))
                        .hardState(2, bytes("h2")),
                true);
        store.write(store.batch().removeGroup(1), true);
        assertThat(store.groups()).containsExactly(2L);
        assertThat(store.hardState(1)).isNull();
        assertThat(payloads(store.entries(2, 1, 2, Long.MAX_VALUE))).containsExactly("b");
    }

    /** Appends entries {@code [from, from + terms.length)} of a group with the given terms, in one write. */
    private void appendTerms(long group, long from, long... terms) {
        LogStore.Batch batch = store.batch();
        for (int k = 0; k < terms.length; k++) {
            batch.append(group, from + k, terms[k], bytes("g" + group + "i" + (from + k) + "t" + terms[k]));
        }
        store.write(batch, true);
    }

    /** The terms the store answers for indexes {@code [lo, hi]}, -1 where nothing is stored. */
    private List<Long> termsOf(long group, long lo, long hi) {
        List<Long> terms = new java.util.ArrayList<>();
        for (long i = lo; i <= hi; i++) {
            terms.add(store.term(group, i));
        }
        return terms;
    }

    /** Every term the store answers, around and within the group's bounds, is the stored entry's. */
    private void assertTermsMatchTheStoredEntries(long group) {
        long first = store.firstIndex(group);
        long last = store.lastIndex(group);
        assertThat(store.term(group, first - 1)).as("below the first index").isEqualTo(-1);
        assertThat(store.term(group, last + 1)).as("past the last index").isEqualTo(-1);
        if (last == 0) {
            return;
        }
        List<StoredEntry> entries = store.entries(group, first, last + 1, Long.MAX_VALUE);
        assertThat(entries).hasSize((int) (last - first + 1));
        for (StoredEntry e : entries) {
            assertThat(store.term(group, e.index()))
                    .as("term of index %d", e.index())
                    .isEqualTo(e.term());
        }
    }

    @Test
    void termsFollowAppendsAcrossSeveralTerms() {
        open();
        appendTerms(1, 1, 1, 1, 1);
        appendTerms(1, 4, 2, 2);
        appendTerms(1, 6, 5, 5, 5, 7);
        appendTerms(2, 1, 3);

        assertThat(termsOf(1, 0, 10)).containsExactly(-1L, 1L, 1L, 1L, 2L, 2L, 5L, 5L, 5L, 7L, -1L);
        assertThat(termsOf(2, 0, 2)).containsExactly(-1L, 3L, -1L);
        assertThat(store.term(3, 1)).as("an unknown group").isEqualTo(-1);
        assertTermsMatchTheStoredEntries(1);
    }

    @Test
    void aConflictingAppendTruncatesTheTermsIntoAnEarlierRun() {
        open();
        appendTerms(1, 1, 1, 1, 2, 2, 3, 3, 3);

        appendTerms(1, 6, 3, 4); // inside the last run, same term, then a new one
        assertThat(termsOf(1, 1, 8)).containsExactly(1L, 1L, 2L, 2L, 3L, 3L, 4L, -1L);

        appendTerms(1, 2, 1, 5); // into the first run: the runs of terms 2, 3 and 4 go
        assertThat(termsOf(1, 1, 4)).containsExactly(1L, 1L, 5L, -1L);
        assertThat(store.lastIndex(1)).isEqualTo(3);
        assertTermsMatchTheStoredEntries(1);

        appendTerms(1, 1, 6); // the whole log
        assertThat(termsOf(1, 0, 2)).containsExactly(-1L, 6L, -1L);
        assertTermsMatchTheStoredEntries(1);
    }

    @Test
    void aDecreasingTermIsRefusedBeforeAnythingIsWritten() {
        open();
        appendTerms(1, 1, 1, 3, 3);
        LogStore.Batch batch = store.batch();
        assertThatThrownBy(() -> batch.append(1, 4, 2, bytes("stale")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("never decrease");
        assertThatThrownBy(() -> batch.append(1, 3, 2, bytes("stale")))
                .as("a conflicting append is compared with the entry before it")
                .isInstanceOf(IllegalStateException.class);
        assertThat(batch.isEmpty()).isTrue();
        batch.close();
        appendTerms(1, 2, 2); // after term 1 at index 1: allowed
        assertThat(termsOf(1, 1, 3)).containsExactly(1L, 2L, -1L);
    }

    @Test
    void compactionKeepsTheTermsOfTheRemainingEntries() {
        open();
        appendTerms(1, 1, 1, 1, 1, 2, 2, 4, 4, 4, 6, 6);

        store.write(store.batch().compact(1, 2), true); // inside the first run
        assertThat(termsOf(1, 1, 11)).containsExactly(-1L, -1L, 1L, 2L, 2L, 4L, 4L, 4L, 6L, 6L, -1L);
        store.write(store.batch().compact(1, 5), true); // at the end of a run
        assertThat(termsOf(1, 5, 11)).containsExactly(-1L, 4L, 4L, 4L, 6L, 6L, -1L);
        store.write(store.batch().compact(1, 8), true); // the last entry of a run, then an append in the next
        appendTerms(1, 11, 6);
        assertThat(termsOf(1, 8, 12)).containsExactly(-1L, 6L, 6L, 6L, -1L);
        assertTermsMatchTheStoredEntries(1);

        store.write(store.batch().compact(1, 11), true); // all of it
        assertThat(termsOf(1, 0, 12)).containsOnly(-1L);
        appendTerms(1, 20, 9, 9);
        assertThat(termsOf(1, 19, 22)).containsExactly(-1L, 9L, 9L, -1L);
        assertTermsMatchTheStoredEntries(1);
    }

    @Test
    void removingAGroupForgetsItsTerms() {
        open();
        appendTerms(1, 1, 1, 2, 3);
        appendTerms(2, 1, 4);
        store.write(store.batch().removeGroup(1), true);
        assertThat(termsOf(1, 0, 4)).containsOnly(-1L);
        assertThat(store.term(2, 1)).isEqualTo(4);

        appendTerms(1, 1, 1); // the group starts over: no term from before constrains it
        assertThat(termsOf(1, 0, 2)).containsExactly(-1L, 1L, -1L);
    }

    @Test
    void termsAreRebuiltExactlyOnReopen() {
        open();
        long[] terms = new long[1000];
        for (int k = 0; k < terms.length; k++) {
            terms[k] = 1 + k / 97 + (k > 500 ? 3 : 0); // uneven runs
        }
        appendTerms(1, 1, terms);
        appendTerms(2, 1, 1, 1, 2);
        appendTerms(3, 1, 5);
        appendTerms(4, 1, 1, 2, 3);
        store.write(store.batch().compact(1, 150).compact(3, 1).removeGroup(4), true);
        List<Long> before = termsOf(1, 0, 1001);
        store.close();

        open();
        assertThat(termsOf(1, 0, 1001)).isEqualTo(before);
        assertTermsMatchTheStoredEntries(1);
        assertThat(termsOf(2, 0, 4)).containsExactly(-1L, 1L, 1L, 2L, -1L);
        assertThat(termsOf(3, 0, 2)).containsOnly(-1L);
        assertThat(termsOf(4, 0, 4)).containsOnly(-1L);
        appendTerms(1, 1001, terms[999]);
        appendTerms(1, 1002, terms[999] + 1);
        assertTermsMatchTheStoredEntries(1);
    }

    /**
     * Random appends (with conflicts), compactions and group removals over two groups, sometimes
     * several in one batch, with reopens: after each write the store's term of every index matches a
     * plain map of index to term. The seed is fixed and printed; {@code -Dlogstore.seed} replays another.
     */
    @Test
    void randomWritesKeepTheTermsExact() {
        long seed = Long.getLong("logstore.seed", 20260611L);
        System.out.println("LogStoreTest.randomWritesKeepTheTermsExact seed " + seed);
        Random random = new Random(seed);
        List<NavigableMap<Long, Long>> model = List.of(new TreeMap<>(), new TreeMap<>());
        long[] nextEmptyStart = {1, 1}; // where a group without entries starts again, as after a snapshot
        open();
        for (int round = 0; round < 400; round++) {
            LogStore.Batch batch = store.batch();
            for (int op = 1 + random.nextInt(3); op > 0; op--) {
                int g = random.nextInt(2);
                long group = g + 1;
                NavigableMap<Long, Long> terms = model.get(g);
                int choice = random.nextInt(20);
                if (choice == 0) {
                    batch.removeGroup(group);
                    terms.clear();
                } else if (choice < 4 && !terms.isEmpty()) {
                    long through = terms.firstKey() - 1 + random.nextInt(terms.size() + 2);
                    batch.compact(group, through);
                    nextEmptyStart[g] = Math.max(nextEmptyStart[g], through + 1);
                    terms.headMap(through, true).clear();
                } else {
                    long index = terms.isEmpty()
                            ? nextEmptyStart[g]
                            : random.nextInt(3) == 0
                                    ? terms.firstKey() + random.nextInt(terms.size())
                                    : terms.lastKey() + 1;
                    var before = terms.lowerEntry(index);
                    long term = before == null ? 1 + random.nextInt(5) : before.getValue();
                    terms.tailMap(index, true).clear();
                    for (int n = random.nextInt(12); n >= 0; n--, index++) {
                        term += random.nextInt(6) == 0 ? 1 + random.nextInt(2) : 0;
                        batch.append(group, index, term, bytes("t" + term));
                        terms.put(index, term);
                    }
                }
            }
            store.write(batch, false);
            if (random.nextInt(40) == 0) {
                store.close();
                open();
            }
            for (int g = 0; g < 2; g++) {
                NavigableMap<Long, Long> terms = model.get(g);
                long last = terms.isEmpty() ? 0 : terms.lastKey();
                assertThat(store.firstIndex(g + 1)).isEqualTo(terms.isEmpty() ? 0 : terms.firstKey());
                assertThat(store.lastIndex(g + 1)).isEqualTo(last);
                for (long i = 0; i <= Math.max(last, nextEmptyStart[g]) + 1; i++) {
                    assertThat(store.term(g + 1, i))
                            .as("seed %d round %d group %d index %d", seed, round, g + 1, i)
                            .isEqualTo(terms.getOrDefault(i, -1L));
                }
            }
        }
        store.close();
        open();
        for (long group = 1; group <= 2; group++) {
            assertTermsMatchTheStoredEntries(group);
        }
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
        assertThat(slept)
                .as("an unsynced write is not on the acknowledgement path")
                .isEmpty();
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
