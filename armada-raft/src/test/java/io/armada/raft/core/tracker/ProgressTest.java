package io.armada.raft.core.tracker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.armada.raft.ConfState;
import io.armada.raft.SnapshotMeta;
import org.junit.jupiter.api.Test;

class ProgressTest {
    private static final SnapshotMeta SNAP = new SnapshotMeta(20, 3, ConfState.ofVoters(1L, 2L, 3L));

    private static Progress progress(long match, long next) {
        return new Progress(match, next, false, new Inflights(3, 1 << 20));
    }

    private static Progress replicating(long match) {
        Progress p = progress(match, match + 1);
        p.becomeReplicate();
        return p;
    }

    @Test
    void matchMustStayBelowNext() {
        assertThatThrownBy(() -> progress(5, 5)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> progress(6, 5)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aNewProgressProbesAndMaySend() {
        Progress p = progress(0, 11);
        assertThat(p.state()).isEqualTo(ProgressState.PROBE);
        assertThat(p.paused()).isFalse();
        assertThat(p.match()).isZero();
        assertThat(p.next()).isEqualTo(11);
    }

    /** Reference: section 5.3 - the leader learns where a follower's log matches one probe at a time. */
    @Test
    void aProbeWithEntriesPausesUntilAResponseOrHeartbeatResponse() {
        Progress p = progress(0, 11);
        p.sentEntries(0, 0);
        assertThat(p.paused()).as("an empty probe leaves the flow open").isFalse();
        p.sentEntries(2, 100);
        assertThat(p.paused()).isTrue();
        assertThat(p.next()).as("a probe does not move next").isEqualTo(11);
        p.resumeFlow(); // heartbeat response
        assertThat(p.paused()).isFalse();
        p.sentEntries(1, 50);
        assertThat(p.maybeUpdate(11)).isTrue();
        assertThat(p.paused()).as("an acknowledgement resumes the flow").isFalse();
    }

    @Test
    void anAcknowledgementMovesMatchAndNextButNeverBack() {
        Progress p = progress(0, 11);
        assertThat(p.maybeUpdate(8)).isTrue();
        assertThat(p.match()).isEqualTo(8);
        assertThat(p.next()).as("next stays ahead of a match below it").isEqualTo(11);
        assertThat(p.maybeUpdate(12)).isTrue();
        assertThat(p.match()).isEqualTo(12);
        assertThat(p.next()).isEqualTo(13);
        assertThat(p.maybeUpdate(12)).as("a duplicate is no news").isFalse();
        assertThat(p.maybeUpdate(5)).as("a stale one is no news").isFalse();
        assertThat(p.match()).isEqualTo(12);
        assertThat(p.next()).isEqualTo(13);
    }

    @Test
    void replicatingSendsFromJustAfterTheMatchAndPipelinesWithinTheWindow() {
        Progress p = progress(4, 11);
        p.becomeReplicate();
        assertThat(p.state()).isEqualTo(ProgressState.REPLICATE);
        assertThat(p.next()).isEqualTo(5);
        p.sentEntries(2, 10);
        p.sentEntries(3, 10);
        assertThat(p.next()).as("optimistically past what was sent").isEqualTo(10);
        assertThat(p.paused()).isFalse();
        assertThat(p.inflights().count()).isEqualTo(2);
        p.sentEntries(1, 10);
        assertThat(p.paused()).as("the window (3 messages) is full").isTrue();
        p.sentEntries(0, 0); // the empty APPEND a heartbeat response allows adds no message to the window
        assertThat(p.inflights().count()).isEqualTo(3);
        p.inflights().freeLE(6);
        p.maybeUpdate(6);
        assertThat(p.paused()).isFalse();
        assertThat(p.next()).isEqualTo(11);
    }

    @Test
    void aRejectionInReplicateFallsBackToJustAfterTheMatch() {
        Progress p = replicating(4);
        p.sentEntries(5, 10); // next = 10
        assertThat(p.maybeDecrTo(7, 0)).isTrue();
        assertThat(p.next()).isEqualTo(5);
        assertThat(p.maybeDecrTo(4, 0))
                .as("a rejection at or below the match is stale")
                .isFalse();
        assertThat(p.maybeDecrTo(3, 0)).isFalse();
        assertThat(p.next()).isEqualTo(5);
    }

    @Test
    void aRejectionOfTheLastProbeMovesNextToTheFollowersHint() {
        Progress p = progress(2, 11);
        p.sentEntries(1, 10); // the probe after index 10
        assertThat(p.maybeDecrTo(9, 3)).as("not the probe we sent last").isFalse();
        assertThat(p.next()).isEqualTo(11);
        assertThat(p.paused()).isTrue();
        assertThat(p.maybeDecrTo(10, 6)).isTrue();
        assertThat(p.next()).as("just after the hint").isEqualTo(7);
        assertThat(p.paused()).as("the next probe may go at once").isFalse();
    }

    @Test
    void aProbeHintNeverMovesNextAtOrBelowTheMatchNorAboveTheRejectedIndex() {
        Progress p = progress(5, 11);
        assertThat(p.maybeDecrTo(10, 1)).isTrue();
        assertThat(p.next()).isEqualTo(6);
        Progress q = progress(0, 11);
        assertThat(q.maybeDecrTo(10, 50)).isTrue();
        assertThat(q.next())
                .as("a hint beyond the rejected index is capped at it")
                .isEqualTo(10);
    }

    @Test
    void fallingBackToProbeRestartsJustAfterTheMatchWithAnEmptyWindow() {
        Progress p = replicating(4);
        p.sentEntries(3, 10);
        p.sentEntries(3, 10);
        p.sentEntries(3, 10);
        assertThat(p.paused()).isTrue();
        p.becomeProbe();
        assertThat(p.state()).isEqualTo(ProgressState.PROBE);
        assertThat(p.next()).isEqualTo(5);
        assertThat(p.inflights().count()).isZero();
        assertThat(p.paused()).isFalse();
    }

    @Test
    void whileASnapshotIsSentTheFollowerIsPausedAndNoEntriesMayBeSent() {
        Progress p = replicating(4);
        p.becomeSnapshot(SNAP, 2, 1);
        assertThat(p.state()).isEqualTo(ProgressState.SNAPSHOT);
        assertThat(p.snapshot().meta()).isEqualTo(SNAP);
        assertThat(p.snapshot().pass()).isEqualTo(1);
        assertThat(p.next()).as("the follower will continue after the snapshot").isEqualTo(21);
        assertThat(p.match()).isEqualTo(4);
        assertThat(p.paused()).isTrue();
        p.resumeFlow();
        assertThat(p.paused())
                .as("a heartbeat response does not resume appends during a snapshot")
                .isTrue();
        assertThatThrownBy(() -> p.sentEntries(1, 10)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aFollowerThatInstalledTheSnapshotReplicatesFromAfterIt() {
        Progress p = progress(4, 5);
        p.becomeSnapshot(SNAP, 2, 1);
        assertThat(p.maybeUpdate(20)).isTrue(); // the follower acknowledges the snapshot's index
        p.becomeProbe();
        p.becomeReplicate();
        assertThat(p.state()).isEqualTo(ProgressState.REPLICATE);
        assertThat(p.snapshot()).isNull();
        assertThat(p.next()).isEqualTo(21);
        assertThat(p.paused()).isFalse();
    }

    @Test
    void anAbortedSnapshotProbesAgainFromTheOldMatch() {
        Progress p = progress(4, 5);
        p.becomeSnapshot(SNAP, 2, 1);
        p.becomeProbe();
        assertThat(p.snapshot()).isNull();
        assertThat(p.next()).isEqualTo(5);
        assertThat(p.paused()).isFalse();
    }

    @Test
    void aCommitIndexNeedsBumpingOnlyIfNewAndBelowWhatTheFollowerMayHold() {
        Progress p = replicating(4);
        p.sentEntries(4, 10); // next = 9: the follower may hold up to 8
        p.sentCommit(3);
        assertThat(p.canBumpCommit(3)).as("already sent").isFalse();
        assertThat(p.canBumpCommit(6)).isTrue();
        p.sentCommit(8);
        assertThat(p.canBumpCommit(9))
                .as("the follower holds nothing beyond 8 yet")
                .isFalse();
        p.sentCommit(2);
        assertThat(p.canBumpCommit(9)).as("the sent commit never decreases").isFalse();
    }

    @Test
    void fallingBackForgetsACommitIndexSentBeyondTheNewNext() {
        Progress p = replicating(4);
        p.sentEntries(4, 10); // next = 9
        p.sentCommit(8);
        assertThat(p.maybeDecrTo(8, 0)).isTrue(); // next = 5
        p.becomeProbe(); // as the leader does after a rejection in REPLICATE
        assertThat(p.next()).isEqualTo(5);
        // the follower rejected, so it may not know commit 8: once it acknowledges holding up to 8, it must be told
        assertThat(p.maybeUpdate(8)).isTrue();
        assertThat(p.canBumpCommit(8)).isTrue();
    }

    @Test
    void theEchoedReadRoundOnlyGrows() {
        Progress p = progress(0, 1);
        p.ackReadRound(3);
        p.ackReadRound(2);
        assertThat(p.readRoundAcked()).isEqualTo(3);
        p.ackReadRound(5);
        assertThat(p.readRoundAcked()).isEqualTo(5);
    }

    @Test
    void aRejectionInReplicateAloneForgetsACommitIndexSentBeyondTheNewNext() {
        Progress p = replicating(4);
        p.sentEntries(4, 10); // next = 9
        p.sentCommit(8);
        assertThat(p.maybeDecrTo(8, 0)).isTrue(); // next = 5, still replicating
        assertThat(p.state()).isEqualTo(ProgressState.REPLICATE);
        assertThat(p.maybeUpdate(8)).isTrue(); // next = 9 again
        assertThat(p.canBumpCommit(5))
                .as("the commit sent is at most the old match")
                .isTrue();
        assertThat(p.canBumpCommit(8)).isTrue();
    }

    @Test
    void fallingBackToProbeAloneForgetsEveryCommitIndexSentBeyondTheMatch() {
        Progress p = replicating(4);
        p.sentEntries(4, 10); // next = 9
        p.sentCommit(8);
        p.becomeProbe(); // next = 5
        assertThat(p.maybeUpdate(8)).isTrue();
        assertThat(p.canBumpCommit(5))
                .as("what the follower was told is now known only up to its old match, 4")
                .isTrue();
    }

    @Test
    void aRejectedProbeForgetsACommitIndexSentBeyondTheFollowersHint() {
        Progress p = progress(2, 11);
        p.sentCommit(10);
        p.sentEntries(1, 10); // the probe after index 10
        assertThat(p.maybeDecrTo(10, 6)).isTrue(); // next = 7
        assertThat(p.maybeUpdate(8)).isTrue(); // next = 9
        assertThat(p.canBumpCommit(7))
                .as("the follower is known to have been told at most commit 6")
                .isTrue();
        assertThat(p.canBumpCommit(6)).isFalse();
    }

    @Test
    void aSnapshotCarriesItsIndexAsTheCommitIndexSent() {
        Progress p = progress(4, 5);
        p.becomeSnapshot(SNAP, 2, 1);
        assertThat(p.maybeUpdate(20)).isTrue();
        p.becomeProbe();
        assertThat(p.next()).isEqualTo(21);
        assertThat(p.canBumpCommit(20))
                .as("the snapshot told the follower everything up to 20 is committed")
                .isFalse();
    }

    @Test
    void anEmptyAppendWhileReplicatingTakesNoRoomInTheWindow() {
        Progress p = replicating(4);
        p.sentEntries(0, 0);
        assertThat(p.inflights().count()).isZero();
        assertThat(p.next()).isEqualTo(5);
        assertThat(p.paused()).isFalse();
    }
}
