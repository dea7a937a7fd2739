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

class RaftLogTest {
    private static final long MAX = Long.MAX_VALUE;

    private static Entry e(long term, long index) {
        return new Entry(term, index, EntryType.NORMAL, new byte[] {(byte) index});
    }

    /** Entries of the given terms starting at {@code first}. */
    private static List<Entry> ents(long first, long... terms) {
        List<Entry> out = new ArrayList<>();
        for (int i = 0; i < terms.length; i++) {
            out.add(e(terms[i], first + i));
        }
        return out;
    }

    /** A stable log of one entry per term given (index 1..n). */
    private static MemoryStorage stored(long... terms) {
        MemoryStorage s = new MemoryStorage();
        s.entries.addAll(ents(1, terms));
        return s;
    }

    private static RaftLog log(long committed, long... terms) {
        return new RaftLog(stored(terms), committed, 0);
    }

    private static List<Long> termsOf(List<Entry> entries) {
        return entries.stream().map(Entry::term).toList();
    }

    // ---------------------------------------------------------------- bounds and terms

    @Test
    void anEmptyLogEndsAtZeroWhoseTermIsZero() {
        RaftLog l = log(0);
        assertThat(l.firstIndex()).isEqualTo(1);
        assertThat(l.lastIndex()).isZero();
        assertThat(l.term(0)).isZero();
        assertThat(l.lastTerm()).isZero();
        assertThat(l.term(1)).isEqualTo(-1);
    }

    @Test
    void termsAreKnownFromTheCompactedBoundaryToTheLastEntry() {
        MemoryStorage s = stored(1, 1, 2, 2, 3);
        s.compact(2); // entries 1 and 2 gone; the term of 2 stays readable
        RaftLog l = new RaftLog(s, 2, 2);
        assertThat(l.firstIndex()).isEqualTo(3);
        assertThat(l.term(1)).as("compacted").isEqualTo(-1);
        assertThat(l.term(2)).as("the boundary").isEqualTo(1);
        assertThat(l.term(3)).isEqualTo(2);
        assertThat(l.term(5)).isEqualTo(3);
        assertThat(l.term(6)).as("beyond the end").isEqualTo(-1);
        assertThat(l.lastTerm()).isEqualTo(3);
    }

    @Test
    void termsOfUnstableEntriesFollowTheStableOnes() {
        RaftLog l = log(1, 1, 1);
        l.append(ents(3, 2, 3));
        assertThat(l.lastIndex()).isEqualTo(4);
        assertThat(l.term(2)).isEqualTo(1);
        assertThat(l.term(3)).isEqualTo(2);
        assertThat(l.term(4)).isEqualTo(3);
        assertThat(l.term(5)).isEqualTo(-1);
    }

    @Test
    void aStoredEntryReplacedByAnUnstableOverwriteIsNoLongerPartOfTheLog() {
        RaftLog l = log(1, 1, 1, 1, 1, 1);
        l.append(ents(3, 2)); // replaces 3..5 by one entry of term 2
        assertThat(l.lastIndex()).isEqualTo(3);
        assertThat(l.term(3)).isEqualTo(2);
        assertThat(l.term(4)).as("still on disk but cut off").isEqualTo(-1);
        assertThat(l.lastStableIndex())
                .as("only 1..2 are persisted and current")
                .isEqualTo(2);
        assertThat(l.matchTerm(5, 1)).isFalse();
    }

    @Test
    void aReceivedSnapshotReplacesEveryTermBelowIt() {
        RaftLog l = log(2, 1, 1, 1);
        l.restore(new SnapshotMeta(10, 4, ConfState.ofVoters(1L, 2L, 3L)));
        assertThat(l.firstIndex()).isEqualTo(11);
        assertThat(l.lastIndex()).isEqualTo(10);
        assertThat(l.term(10)).isEqualTo(4);
        assertThat(l.term(3)).as("the old log is gone").isEqualTo(-1);
        assertThat(l.term(9)).isEqualTo(-1);
        assertThat(l.committed()).isEqualTo(10);
        assertThat(l.lastStableIndex())
                .as("not known to be persisted until installed")
                .isZero();
        l.append(ents(11, 5));
        assertThat(l.term(11)).isEqualTo(5);
    }

    @Test
    void aSnapshotAtOrBelowTheCommitIndexIsNotRestored() {
        RaftLog l = log(3, 1, 1, 1);
        assertThatThrownBy(() -> l.restore(new SnapshotMeta(3, 1, ConfState.ofVoters(1L))))
                .isInstanceOf(IllegalStateException.class);
    }

    // ---------------------------------------------------------------- construction

    @Test
    void aRestartCommitsAtLeastWhatWasApplied() {
        RaftLog l = new RaftLog(stored(1, 1, 1, 1), 1, 3); // the commit index on disk lagged the applied one
        assertThat(l.committed()).isEqualTo(3);
        assertThat(l.applied()).isEqualTo(3);
    }

    @Test
    void aCommitIndexBeyondTheStoredLogOrAnAppliedIndexBelowItIsRefused() {
        assertThatThrownBy(() -> new RaftLog(stored(1, 1), 3, 0)).isInstanceOf(IllegalStateException.class);
        MemoryStorage s = stored(1, 1, 1, 1);
        s.compact(3);
        assertThatThrownBy(() -> new RaftLog(s, 3, 2))
                .as("the state machine misses the snapshot")
                .isInstanceOf(IllegalStateException.class);
    }

    // ---------------------------------------------------------------- election restriction

    /**
     * Reference: section 5.4.1 - the log with the later last term is more up-to-date; with equal last
     * terms, the longer log is.
     */
    @Test
    void aCandidateIsUpToDateWithALaterLastTermOrAnEqualOneAndAtLeastAsLongALog() {
        RaftLog l = log(0, 1, 2, 2);
        assertThat(l.isUpToDate(1, 3)).as("later last term, shorter log").isTrue();
        assertThat(l.isUpToDate(3, 2)).as("same last entry").isTrue();
        assertThat(l.isUpToDate(4, 2)).as("same term, longer").isTrue();
        assertThat(l.isUpToDate(2, 2)).as("same term, shorter").isFalse();
        assertThat(l.isUpToDate(9, 1)).as("earlier last term, longer log").isFalse();
    }

    // ---------------------------------------------------------------- appends from a leader

    /**
     * Reference: section 5.3 - a follower refuses an AppendEntries whose previous (index, term) it does
     * not hold (the consistency check).
     */
    @Test
    void anAppendIsRefusedUnlessTheLogHoldsItsPreviousEntry() {
        RaftLog l = log(1, 1, 2, 2);
        assertThat(l.maybeAppend(3, 1, 3, ents(4, 3))).as("index 3 has term 2").isEqualTo(-1);
        assertThat(l.maybeAppend(4, 2, 3, ents(5, 3))).as("index 4 is missing").isEqualTo(-1);
        assertThat(l.lastIndex()).isEqualTo(3);
        assertThat(l.committed()).isEqualTo(1);
        assertThat(l.maybeAppend(3, 2, 3, ents(4, 3))).isEqualTo(4);
        assertThat(l.term(4)).isEqualTo(3);
    }

    /**
     * Reference: section 5.3 (Figure 2, AppendEntries rules 3 and 5) - a conflicting entry and all that
     * follow it are deleted; the commit index moves to min(leaderCommit, index of the last new entry).
     */
    @Test
    void aConflictingSuffixIsReplacedAndTheCommitIsBoundedByTheLastNewEntry() {
        RaftLog l = log(1, 1, 1, 2, 2, 2);
        assertThat(l.maybeAppend(2, 1, 9, ents(3, 3, 3))).isEqualTo(4);
        assertThat(l.lastIndex())
                .as("the old entry 5 followed a conflict and is gone")
                .isEqualTo(4);
        assertThat(termsOf(l.entriesFrom(1, MAX))).containsExactly(1L, 1L, 3L, 3L);
        assertThat(l.committed()).as("not beyond what this append vouched for").isEqualTo(4);
    }

    @Test
    void anAppendCommitsAtMostTheLeadersCommitIndex() {
        RaftLog l = log(1, 1, 1);
        l.maybeAppend(2, 1, 2, ents(3, 1, 1));
        assertThat(l.committed()).isEqualTo(2);
        l.maybeAppend(4, 1, 1, List.of());
        assertThat(l.committed()).as("the commit index never decreases").isEqualTo(2);
    }

    @Test
    void aStaleAppendOfEntriesAlreadyHeldTruncatesNothing() {
        RaftLog l = log(1, 1, 1, 2, 2);
        // an old, shorter append for entries 2..3 arrives after 4 was appended: 4 must survive
        assertThat(l.maybeAppend(1, 1, 1, ents(2, 1, 2))).isEqualTo(3);
        assertThat(l.lastIndex()).isEqualTo(4);
        assertThat(l.hasUnstableToPersist())
                .as("nothing changed, nothing to persist")
                .isFalse();
        // it also commits only up to what it carried, not up to the end of our log
        l.maybeAppend(1, 1, 4, ents(2, 1));
        assertThat(l.committed()).isEqualTo(2);
    }

    /** Reference: section 5.4 (Leader Completeness) - a committed entry is never replaced. */
    @Test
    void anAppendConflictingWithACommittedEntryIsAnInvariantViolation() {
        RaftLog l = log(3, 1, 1, 1, 1);
        assertThatThrownBy(() -> l.maybeAppend(2, 1, 3, ents(3, 2))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> l.append(ents(2, 5))).isInstanceOf(IllegalStateException.class);
        assertThat(termsOf(l.entriesFrom(1, MAX))).containsExactly(1L, 1L, 1L, 1L);
    }

    @Test
    void anAppendLeavingAGapIsRefused() {
        RaftLog l = log(0, 1, 1);
        assertThatThrownBy(() -> l.append(ents(4, 1))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theConflictHintSkipsEveryEntryOfALaterTerm() {
        RaftLog l = log(0, 1, 1, 1, 4, 4, 5, 5, 6, 6, 6);
        assertThat(l.findConflictByTerm(10, 3)).containsExactly(3, 1); // skips the entries of terms 4, 5 and 6
        assertThat(l.findConflictByTerm(10, 5)).containsExactly(7, 5);
        assertThat(l.findConflictByTerm(10, 6)).containsExactly(10, 6);
        assertThat(l.findConflictByTerm(2, 9)).containsExactly(2, 1);
        assertThat(l.findConflictByTerm(10, 0)).containsExactly(0, 0);
    }

    @Test
    void theConflictHintStopsAtTheCompactedLog() {
        MemoryStorage s = stored(1, 2, 3, 3);
        s.compact(2);
        RaftLog l = new RaftLog(s, 2, 2);
        // index 1 is compacted: its term is unknown, so the hint stops there
        assertThat(l.findConflictByTerm(4, 1)).containsExactly(1, 0);
        assertThat(l.findConflictByTerm(4, 2)).containsExactly(2, 2);
    }

    // ---------------------------------------------------------------- committing

    /**
     * Reference: section 5.4.2 and Figure 8 - a leader never commits an entry of an earlier term by
     * counting replicas: a majority holding it does not stop a later leader from overwriting it. Only an
     * entry of the leader's own term is committed that way, and every entry before it with it.
     */
    @Test
    void aLeaderCommitsOnlyEntriesOfItsOwnTermByCounting() {
        // Figure 8 (c): S1 leads term 4 holding 1:1, 2:2, 3:4; entry 2 (term 2) is on a majority
        RaftLog l = log(1, 1, 2, 4);
        assertThat(l.maybeCommit(2, 4)).isFalse();
        assertThat(l.committed()).isEqualTo(1);
        // Figure 8 (e): entry 3 of term 4 reaches a majority; committing it commits 2 as well
        assertThat(l.maybeCommit(3, 4)).isTrue();
        assertThat(l.committed()).isEqualTo(3);
    }

    @Test
    void maybeCommitNeverMovesTheCommitIndexBackNorCommitsBeyondTheLog() {
        RaftLog l = log(3, 1, 1, 1, 1);
        assertThat(l.maybeCommit(2, 1)).isFalse();
        assertThat(l.maybeCommit(3, 1)).isFalse();
        assertThat(l.committed()).isEqualTo(3);
        assertThat(l.maybeCommit(5, 1)).as("no entry at 5").isFalse();
        assertThat(l.committed()).isEqualTo(3);
    }

    @Test
    void theCommitIndexNeverDecreasesAndNeverPassesTheLastEntry() {
        RaftLog l = log(2, 1, 1, 1);
        l.commitTo(1);
        assertThat(l.committed()).isEqualTo(2);
        assertThatThrownBy(() -> l.commitTo(4)).isInstanceOf(IllegalStateException.class);
        l.commitTo(3);
        assertThat(l.committed()).isEqualTo(3);
    }

    // ---------------------------------------------------------------- reading entries

    @Test
    void aSliceSpansStableAndUnstableEntriesWithinTheByteLimitButHoldsAtLeastOne() {
        RaftLog l = log(0, 1, 1);
        l.append(ents(3, 2, 2));
        long one = e(1, 1).sizeBytes();
        assertThat(l.slice(1, 5, MAX)).extracting(Entry::index).containsExactly(1L, 2L, 3L, 4L);
        assertThat(l.slice(2, 4, MAX)).extracting(Entry::index).containsExactly(2L, 3L);
        assertThat(l.slice(1, 5, 3 * one)).extracting(Entry::index).containsExactly(1L, 2L, 3L);
        assertThat(l.slice(2, 5, 1)).extracting(Entry::index).as("at least one").containsExactly(2L);
        assertThat(l.slice(3, 5, 1)).extracting(Entry::index).containsExactly(3L);
        assertThatThrownBy(() -> l.slice(1, 6, MAX)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void entriesFromACompactedIndexAreUnavailable() {
        MemoryStorage s = stored(1, 1, 1);
        s.compact(2);
        RaftLog l = new RaftLog(s, 2, 2);
        assertThat(l.entriesFrom(2, MAX)).isNull();
        assertThat(l.entriesFrom(3, MAX)).extracting(Entry::index).containsExactly(3L);
        assertThat(l.entriesFrom(4, MAX)).isEmpty();
    }

    @Test
    void committedEntriesAreHandedOutOnceEach() {
        RaftLog l = log(0, 1, 1, 1);
        l.commitTo(2);
        assertThat(l.hasNextCommittedEntries()).isTrue();
        assertThat(l.nextCommittedEntries(MAX)).extracting(Entry::index).containsExactly(1L, 2L);
        l.acceptReady(2);
        assertThat(l.hasNextCommittedEntries())
                .as("handed out, not yet applied")
                .isFalse();
        assertThat(l.nextCommittedEntries(MAX)).isEmpty();
        l.commitTo(3);
        assertThat(l.nextCommittedEntries(MAX)).extracting(Entry::index).containsExactly(3L);
        l.appliedTo(2);
        assertThat(l.applied()).isEqualTo(2);
        assertThatThrownBy(() -> l.appliedTo(4)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void unstableEntriesAreHandedOutOnceAndLeaveTheTailWhenPersisted() {
        MemoryStorage s = stored(1);
        RaftLog l = new RaftLog(s, 1, 0);
        l.append(ents(2, 2, 2));
        assertThat(l.unstableEntriesToPersist()).extracting(Entry::index).containsExactly(2L, 3L);
        l.acceptReady(0);
        assertThat(l.hasUnstableToPersist()).isFalse();
        assertThat(l.lastStableIndex()).isEqualTo(1);
        s.entries.addAll(ents(2, 2, 2)); // the engine persisted them
        l.stableTo(3, 2);
        assertThat(l.lastStableIndex()).isEqualTo(3);
        assertThat(l.term(3)).isEqualTo(2);
    }
}
