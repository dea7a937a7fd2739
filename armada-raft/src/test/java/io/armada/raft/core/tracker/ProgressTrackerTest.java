package io.armada.raft.core.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import io.armada.raft.ConfState;
import io.armada.raft.core.quorum.Majority.VoteResult;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProgressTrackerTest {
    private static final long SELF = 1;

    /** A leader's tracker (self = 1) over {@code voters} and {@code learners}, with a log ending at 10, all persisted. */
    private static ProgressTracker leader(List<Long> voters, List<Long> learners) {
        ProgressTracker t = new ProgressTracker(ConfState.of(voters, learners), 4, 1 << 20);
        t.resetProgress(10, SELF, 10);
        return t;
    }

    private static ProgressTracker fiveVoters() {
        return leader(List.of(1L, 2L, 3L, 4L, 5L), List.of());
    }

    @Test
    void afterAResetEveryPeerProbesFromTheLeadersNextIndexAndTheLeaderReplicatesItself() {
        ProgressTracker t = leader(List.of(1L, 2L, 3L), List.of(4L));
        assertThat(t.all().keySet()).containsExactly(1L, 2L, 3L, 4L);
        Progress self = t.get(SELF);
        assertThat(self.state()).isEqualTo(ProgressState.REPLICATE);
        assertThat(self.match()).isEqualTo(10);
        assertThat(self.next()).isEqualTo(11);
        assertThat(self.recentActive()).isTrue();
        for (long peer : List.of(2L, 3L, 4L)) {
            Progress p = t.get(peer);
            assertThat(p.state()).isEqualTo(ProgressState.PROBE);
            assertThat(p.match()).isZero();
            assertThat(p.next()).isEqualTo(11);
            assertThat(p.recentActive()).isFalse();
        }
        assertThat(t.get(4).learner()).isTrue();
        assertThat(t.get(2).learner()).isFalse();
    }

    /** Reference: section 5.3 - an entry is committed once the leader replicated it on a majority. */
    @Test
    void theCommittedIndexIsTheOneAMajorityOfVotersPersisted() {
        ProgressTracker t = fiveVoters();
        assertThat(t.committed()).as("only the leader holds anything").isZero();
        t.get(2).maybeUpdate(7);
        assertThat(t.committed()).as("two of five").isZero();
        t.get(3).maybeUpdate(5);
        assertThat(t.committed()).isEqualTo(5);
        t.get(4).maybeUpdate(9);
        assertThat(t.committed()).isEqualTo(7);
    }

    @Test
    void learnersDoNotCountForTheCommittedIndex() {
        ProgressTracker t = leader(List.of(1L, 2L, 3L), List.of(4L, 5L));
        t.get(4).maybeUpdate(10);
        t.get(5).maybeUpdate(10);
        assertThat(t.committed()).isZero();
        t.get(2).maybeUpdate(6);
        assertThat(t.committed()).isEqualTo(6);
    }

    @Test
    void theLeaderCountsForTheCommittedIndexOnlyWithWhatItPersisted() {
        ProgressTracker t = new ProgressTracker(ConfState.ofVoters(1L, 2L, 3L), 4, 1 << 20);
        t.resetProgress(10, SELF, 8); // entries 9 and 10 are not on the leader's disk yet
        t.get(2).maybeUpdate(10);
        assertThat(t.committed()).isEqualTo(8);
    }

    @Test
    void theLeaderIsActiveWithAMajorityOnlyIfEnoughVotersWereHeardFrom() {
        ProgressTracker t = leader(List.of(1L, 2L, 3L, 4L, 5L), List.of(6L));
        assertThat(t.quorumActive(SELF)).isFalse();
        t.get(6).setRecentActive(true);
        t.get(2).setRecentActive(true);
        assertThat(t.quorumActive(SELF))
                .as("the leader, one voter and a learner")
                .isFalse();
        t.get(3).setRecentActive(true);
        assertThat(t.quorumActive(SELF)).isTrue();
        t.clearRecentActive(SELF);
        assertThat(t.quorumActive(SELF)).isFalse();
        assertThat(t.get(SELF).recentActive())
                .as("the leader always hears itself")
                .isTrue();
        assertThat(t.get(2).recentActive()).isFalse();
    }

    /**
     * Reference: section 8 - before serving a read, the leader exchanges heartbeats with a majority of
     * the cluster. One follower's echo with the leader's own is two of five: not yet a majority.
     */
    @Test
    void oneEchoOfAReadRoundIsNoQuorumOfFiveButTwoAre() {
        ProgressTracker t = fiveVoters();
        assertThat(t.confirmedReadRound(SELF, 1)).isZero();
        t.get(2).ackReadRound(1);
        assertThat(t.confirmedReadRound(SELF, 1)).isZero();
        t.get(3).ackReadRound(1);
        assertThat(t.confirmedReadRound(SELF, 1)).isEqualTo(1);
    }

    @Test
    void aReadRoundIsConfirmedUpToTheRoundAMajorityEchoed() {
        ProgressTracker t = fiveVoters();
        t.get(2).ackReadRound(3);
        t.get(3).ackReadRound(1);
        t.get(4).ackReadRound(2);
        // rounds echoed: leader 3, peers 3, 1, 2, 0 -> a majority (three) reached round 2
        assertThat(t.confirmedReadRound(SELF, 3)).isEqualTo(2);
    }

    @Test
    void learnersEchoingAReadRoundDoNotConfirmIt() {
        ProgressTracker t = leader(List.of(1L, 2L, 3L), List.of(4L, 5L));
        t.get(4).ackReadRound(1);
        t.get(5).ackReadRound(1);
        assertThat(t.confirmedReadRound(SELF, 1)).isZero();
        t.get(2).ackReadRound(1);
        assertThat(t.confirmedReadRound(SELF, 1)).isEqualTo(1);
    }

    @Test
    void aNewConfigurationKeepsTheProgressOfRemainingMembersAndProbesNewOnes() {
        ProgressTracker t = leader(List.of(1L, 2L, 3L), List.of(4L));
        t.get(2).maybeUpdate(9);
        t.get(2).becomeReplicate();
        t.get(4).maybeUpdate(6);
        t.setConf(ConfState.of(List.of(1L, 2L, 4L, 5L), List.of()), 12, SELF, true);
        assertThat(t.all().keySet()).containsExactly(1L, 2L, 4L, 5L);
        assertThat(t.get(3)).as("the removed voter's progress is dropped").isNull();
        assertThat(t.get(2).match()).isEqualTo(9);
        assertThat(t.get(2).state()).isEqualTo(ProgressState.REPLICATE);
        assertThat(t.get(4).learner()).as("the promoted learner").isFalse();
        assertThat(t.get(4).match()).isEqualTo(6);
        Progress added = t.get(5);
        assertThat(added.state()).isEqualTo(ProgressState.PROBE);
        assertThat(added.next()).isEqualTo(13);
        assertThat(added.recentActive())
                .as("a new member does not count against check-quorum")
                .isTrue();
        assertThat(t.isVoter(5)).isTrue();
        assertThat(t.isVoter(3)).isFalse();
    }

    @Test
    void aDemotedVoterKeepsItsProgressAsALearner() {
        ProgressTracker t = leader(List.of(1L, 2L, 3L), List.of());
        t.get(3).maybeUpdate(4);
        t.setConf(ConfState.of(List.of(1L, 2L), List.of(3L)), 10, SELF, true);
        assertThat(t.get(3).learner()).isTrue();
        assertThat(t.get(3).match()).isEqualTo(4);
        assertThat(t.isVoter(3)).isFalse();
    }

    @Test
    void aFollowerTracksTheConfigurationButNoProgress() {
        ProgressTracker t = leader(List.of(1L, 2L, 3L), List.of());
        ConfState next = ConfState.ofVoters(1L, 2L, 3L, 4L);
        t.setConf(next, 10, SELF, false);
        assertThat(t.conf()).isEqualTo(next);
        assertThat(t.all()).isEmpty();
    }

    /** Reference: section 5.2 - each server votes at most once per term; the first vote received counts. */
    @Test
    void aVoterIsCountedOnceWithItsFirstAnswer() {
        ProgressTracker t = new ProgressTracker(ConfState.ofVoters(1L, 2L, 3L), 4, 1 << 20);
        t.recordVote(1, true);
        t.recordVote(2, false);
        assertThat(t.tally()).isEqualTo(VoteResult.PENDING);
        t.recordVote(2, true); // a duplicate (e.g. re-delivered) answer does not change the vote
        assertThat(t.tally()).isEqualTo(VoteResult.PENDING);
        t.recordVote(3, true);
        assertThat(t.tally()).isEqualTo(VoteResult.WON);
        t.resetVotes();
        assertThat(t.tally()).isEqualTo(VoteResult.PENDING);
    }

    @Test
    void votesOfLearnersDoNotElect() {
        ProgressTracker t = new ProgressTracker(ConfState.of(List.of(1L, 2L, 3L), List.of(4L, 5L)), 4, 1 << 20);
        t.recordVote(1, true);
        t.recordVote(4, true);
        t.recordVote(5, true);
        assertThat(t.tally()).isEqualTo(VoteResult.PENDING);
    }

    @Test
    void onlyTheSoleVoterIsASingleton() {
        assertThat(new ProgressTracker(ConfState.ofVoters(1L), 4, 1).isSingleton(1))
                .isTrue();
        assertThat(new ProgressTracker(ConfState.ofVoters(1L), 4, 1).isSingleton(2))
                .isFalse();
        assertThat(new ProgressTracker(ConfState.of(List.of(1L), List.of(2L)), 4, 1).isSingleton(1))
                .as("a learner does not vote")
                .isTrue();
        assertThat(new ProgressTracker(ConfState.ofVoters(1L, 2L), 4, 1).isSingleton(1))
                .isFalse();
    }

    @Test
    void aNewLearnerProbesFromTheLeadersNextIndexAndCountsAsRecentlyActive() {
        ProgressTracker t = leader(List.of(1L, 2L, 3L), List.of());
        t.setConf(ConfState.of(List.of(1L, 2L, 3L), List.of(6L)), 12, SELF, true);
        Progress added = t.get(6);
        assertThat(added.learner()).isTrue();
        assertThat(added.state()).isEqualTo(ProgressState.PROBE);
        assertThat(added.match()).isZero();
        assertThat(added.next()).isEqualTo(13);
        assertThat(added.recentActive()).isTrue();
        assertThat(t.isVoter(6)).isFalse();
    }

    @Test
    void aResetTakesTheLeadersPersistedIndexAsItsMatchNotItsLastIndex() {
        ProgressTracker t = new ProgressTracker(ConfState.ofVoters(1L, 2L, 3L), 4, 1 << 20);
        t.resetProgress(10, SELF, 7); // entries 8 to 10 not yet on the leader's disk
        assertThat(t.get(SELF).match()).isEqualTo(7);
        assertThat(t.get(SELF).next()).isEqualTo(8);
        t.get(2).maybeUpdate(10);
        assertThat(t.committed()).isEqualTo(7);
    }

    @Test
    void everyPeersWindowHoldsTheConfiguredNumberOfMessages() {
        ProgressTracker t = leader(List.of(1L, 2L), List.of(3L));
        for (long peer : List.of(2L, 3L)) {
            Progress p = t.get(peer);
            p.becomeReplicate();
            for (int i = 0; i < 3; i++) {
                p.sentEntries(1, 1);
            }
            assertThat(p.paused()).as("three of four").isFalse();
            p.sentEntries(1, 1);
            assertThat(p.paused()).as("four of four").isTrue();
        }
    }

    @Test
    void aResetForgetsTheProgressOfAnEarlierTerm() {
        ProgressTracker t = leader(List.of(1L, 2L, 3L), List.of());
        t.get(2).maybeUpdate(9);
        t.resetProgress(12, SELF, 12);
        assertThat(t.get(2).match()).isZero();
        assertThat(t.get(2).next()).isEqualTo(13);
        assertThat(t.get(SELF).match()).isEqualTo(12);
    }
}
