package io.armada.raft.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.armada.raft.ConfState;
import io.armada.raft.Entry;
import io.armada.raft.EntryType;
import io.armada.raft.SnapshotMeta;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class UnstableLogTest {
    private static final SnapshotMeta SNAP = new SnapshotMeta(10, 3, ConfState.ofVoters(1L, 2L, 3L));

    private static List<Entry> ents(long first, long... terms) {
        List<Entry> out = new ArrayList<>();
        for (int i = 0; i < terms.length; i++) {
            out.add(new Entry(terms[i], first + i, EntryType.NORMAL, null));
        }
        return out;
    }

    /** A tail starting at {@code offset} holding entries of the given terms. */
    private static UnstableLog tail(long offset, long... terms) {
        UnstableLog u = new UnstableLog(offset);
        if (terms.length > 0) {
            u.truncateAndAppend(ents(offset, terms));
        }
        return u;
    }

    private static List<Long> indexes(List<Entry> entries) {
        return entries.stream().map(Entry::index).toList();
    }

    @Test
    void anEmptyTailKnowsNothing() {
        UnstableLog u = new UnstableLog(6);
        assertThat(u.offset()).isEqualTo(6);
        assertThat(u.maybeFirstIndex()).isEqualTo(-1);
        assertThat(u.maybeLastIndex()).isEqualTo(-1);
        assertThat(u.maybeTerm(5)).isEqualTo(-1);
        assertThat(u.maybeTerm(6)).isEqualTo(-1);
        assertThat(u.hasEntriesToPersist()).isFalse();
        assertThat(u.snapshotToPersist()).isNull();
    }

    @Test
    void termsAreKnownForTheEntriesHeldOnly() {
        UnstableLog u = tail(5, 1, 2, 2);
        assertThat(u.maybeLastIndex()).isEqualTo(7);
        assertThat(u.maybeFirstIndex())
                .as("only a pending snapshot gives a first index")
                .isEqualTo(-1);
        assertThat(u.maybeTerm(4)).isEqualTo(-1);
        assertThat(u.maybeTerm(5)).isEqualTo(1);
        assertThat(u.maybeTerm(7)).isEqualTo(2);
        assertThat(u.maybeTerm(8)).isEqualTo(-1);
    }

    @Test
    void appendingAtTheEndExtendsTheTail() {
        UnstableLog u = tail(5, 1, 1);
        u.truncateAndAppend(ents(7, 2));
        assertThat(u.offset()).isEqualTo(5);
        assertThat(indexes(u.entriesToPersist())).containsExactly(5L, 6L, 7L);
        assertThat(u.maybeTerm(7)).isEqualTo(2);
    }

    @Test
    void appendingInsideTheTailDropsEverythingFromThatIndexOn() {
        UnstableLog u = tail(5, 1, 1, 1, 1);
        u.truncateAndAppend(ents(6, 3));
        assertThat(u.offset()).isEqualTo(5);
        assertThat(u.maybeLastIndex()).isEqualTo(6);
        assertThat(u.maybeTerm(6)).isEqualTo(3);
        assertThat(u.maybeTerm(7)).isEqualTo(-1);
        assertThat(u.entriesToPersist())
                .containsExactlyElementsOf(List.of(ents(5, 1).get(0), ents(6, 3).get(0)));
    }

    @Test
    void appendingBeforeTheTailReplacesItAndMovesTheOffsetBack() {
        // entries 3..4 are stable; the leader overwrites from 3: the engine must delete them when persisting
        UnstableLog u = tail(5, 1, 1);
        u.truncateAndAppend(ents(3, 4, 4));
        assertThat(u.offset()).isEqualTo(3);
        assertThat(u.maybeLastIndex()).isEqualTo(4);
        assertThat(u.maybeTerm(5)).isEqualTo(-1);
        assertThat(indexes(u.entriesToPersist())).containsExactly(3L, 4L);
    }

    @Test
    void persistedEntriesLeaveTheTailUpToTheIndexPersisted() {
        UnstableLog u = tail(5, 1, 1, 2);
        u.stableTo(6, 1);
        assertThat(u.offset()).isEqualTo(7);
        assertThat(u.maybeTerm(6)).isEqualTo(-1);
        assertThat(u.maybeTerm(7)).isEqualTo(2);
        assertThat(indexes(u.slice(7, 8))).containsExactly(7L);
    }

    @Test
    void aPersistReportForEntriesOverwrittenMeanwhileIsIgnored() {
        UnstableLog u = tail(5, 1, 1, 1);
        u.acceptInProgress(); // 5..7 of term 1 handed out for persisting
        u.truncateAndAppend(ents(6, 2)); // meanwhile a new leader replaced 6..7
        u.stableTo(7, 1); // the engine finished persisting the old 5..7
        assertThat(u.offset()).as("entry 7 of term 1 is no longer ours").isEqualTo(5);
        assertThat(u.maybeTerm(6)).isEqualTo(2);
        assertThat(u.hasEntriesToPersist()).isTrue();
        assertThat(indexes(u.entriesToPersist()))
                .as("the replacement is persisted next")
                .containsExactly(6L);
    }

    @Test
    void aPersistReportForAnIndexNowHoldingAnotherTermKeepsTheNewEntries() {
        UnstableLog u = tail(5, 1, 1, 1);
        u.acceptInProgress(); // 5..7 of term 1 handed out for persisting
        u.truncateAndAppend(ents(6, 2, 2)); // a new leader replaced 6..7 by entries of term 2
        u.stableTo(7, 1); // the engine persisted the old entry 7 (term 1), not the new one
        assertThat(u.offset()).isEqualTo(5);
        assertThat(u.maybeTerm(7)).as("the unpersisted entry of term 2 stays").isEqualTo(2);
        assertThat(indexes(u.entriesToPersist())).containsExactly(6L, 7L);
        u.stableTo(7, 2);
        assertThat(u.offset()).isEqualTo(8);
        assertThat(u.hasEntriesToPersist()).isFalse();
    }

    @Test
    void aPersistReportBelowTheTailOrBeyondItIsIgnored() {
        UnstableLog u = tail(5, 1, 1);
        u.stableTo(4, 1);
        u.stableTo(9, 1);
        assertThat(u.offset()).isEqualTo(5);
        assertThat(u.maybeLastIndex()).isEqualTo(6);
    }

    @Test
    void entriesHandedOutForPersistingAreNotHandedOutAgain() {
        UnstableLog u = tail(5, 1, 1);
        u.acceptInProgress();
        assertThat(u.hasEntriesToPersist()).isFalse();
        assertThat(u.entriesToPersist()).isEmpty();
        u.truncateAndAppend(ents(7, 1));
        assertThat(indexes(u.entriesToPersist())).as("only the new one").containsExactly(7L);
        u.acceptInProgress();
        u.stableTo(6, 1); // the first Ready's entries were persisted
        assertThat(u.hasEntriesToPersist()).as("7 is still being persisted").isFalse();
    }

    @Test
    void anOverwriteOfEntriesBeingPersistedHandsThemOutAgain() {
        UnstableLog u = tail(5, 1, 1, 1);
        u.acceptInProgress();
        u.truncateAndAppend(ents(6, 2, 2));
        assertThat(indexes(u.entriesToPersist())).containsExactly(6L, 7L);
    }

    @Test
    void aReceivedSnapshotReplacesTheTailUntilItIsInstalled() {
        UnstableLog u = tail(5, 1, 1);
        u.restore(SNAP);
        assertThat(u.offset()).isEqualTo(11);
        assertThat(u.maybeFirstIndex()).isEqualTo(11);
        assertThat(u.maybeLastIndex()).isEqualTo(10);
        assertThat(u.maybeTerm(10)).isEqualTo(3);
        assertThat(u.maybeTerm(9)).isEqualTo(-1);
        assertThat(u.maybeTerm(5)).isEqualTo(-1);
        assertThat(u.hasEntriesToPersist()).isFalse();
        assertThat(u.snapshotToPersist()).isEqualTo(SNAP);
        u.truncateAndAppend(ents(11, 4));
        assertThat(u.maybeLastIndex()).isEqualTo(11);
        u.acceptInProgress();
        assertThat(u.snapshotToPersist()).as("handed out once").isNull();
        assertThat(u.snapshot()).as("still pending until installed").isEqualTo(SNAP);
        u.stableSnapTo(9);
        assertThat(u.snapshot()).as("not that snapshot").isEqualTo(SNAP);
        u.stableSnapTo(10);
        assertThat(u.snapshot()).isNull();
        assertThat(u.maybeFirstIndex()).isEqualTo(-1);
        assertThat(u.maybeTerm(11)).isEqualTo(4);
    }

    @Test
    void aSliceOutsideTheTailIsRefused() {
        UnstableLog u = tail(5, 1, 1);
        assertThat(indexes(u.slice(5, 7))).containsExactly(5L, 6L);
        assertThat(u.slice(6, 6)).isEmpty();
        assertThatThrownBy(() -> u.slice(4, 6)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> u.slice(5, 8)).isInstanceOf(IllegalStateException.class);
    }
}
