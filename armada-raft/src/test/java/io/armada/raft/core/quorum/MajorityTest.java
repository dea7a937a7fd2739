package io.armada.raft.core.quorum;

import static org.assertj.core.api.Assertions.assertThat;

import io.armada.raft.core.quorum.Majority.VoteResult;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MajorityTest {

    /** Acknowledged indexes of voters 1..n, in id order. */
    private static long committed(long... acked) {
        Map<Long, Long> byId = new HashMap<>();
        for (int i = 0; i < acked.length; i++) {
            byId.put(i + 1L, acked[i]);
        }
        return Majority.committedIndex(byId.keySet(), byId::get);
    }

    private static VoteResult vote(int voters, Map<Long, Boolean> votes) {
        List<Long> ids =
                java.util.stream.LongStream.rangeClosed(1, voters).boxed().toList();
        return Majority.voteResult(ids, votes);
    }

    @Test
    void aQuorumIsMoreThanHalfOfTheVoters() {
        assertThat(Majority.quorum(1)).isEqualTo(1);
        assertThat(Majority.quorum(2)).isEqualTo(2);
        assertThat(Majority.quorum(3)).isEqualTo(2);
        assertThat(Majority.quorum(4)).isEqualTo(3);
        assertThat(Majority.quorum(5)).isEqualTo(3);
        assertThat(Majority.quorum(6)).isEqualTo(4);
        assertThat(Majority.quorum(7)).isEqualTo(4);
    }

    @Test
    void noVotersCommitNothing() {
        assertThat(Majority.committedIndex(List.of(), id -> 99)).isZero();
    }

    @Test
    void aSingleVoterCommitsWhatItAcknowledged() {
        assertThat(committed(7)).isEqualTo(7);
    }

    /** Reference: section 5.3 - an entry is committed once replicated on a majority of servers. */
    @Test
    void ofThreeVotersTheSecondHighestAcknowledgementIsCommitted() {
        assertThat(committed(5, 3, 1)).isEqualTo(3);
        assertThat(committed(1, 3, 5)).isEqualTo(3); // order of the ids does not matter
        assertThat(committed(5, 5, 1)).isEqualTo(5);
        assertThat(committed(5, 0, 0)).isZero(); // the leader alone is not a majority
    }

    @Test
    void ofFiveVotersTheThirdHighestAcknowledgementIsCommitted() {
        assertThat(committed(9, 8, 7, 2, 1)).isEqualTo(7);
        assertThat(committed(9, 9, 0, 0, 0)).isZero(); // two of five are no majority
        assertThat(committed(9, 9, 4, 0, 0)).isEqualTo(4);
    }

    @Test
    void ofAnEvenNumberOfVotersHalfIsNotEnough() {
        // two of four acknowledged 9: not a majority; a third one acknowledged 3
        assertThat(committed(9, 9, 3, 0)).isEqualTo(3);
        assertThat(committed(9, 9, 0, 0)).isZero();
        // both of two voters are needed
        assertThat(committed(9, 4)).isEqualTo(4);
        assertThat(committed(9, 0)).isZero();
        assertThat(committed(6, 6, 6, 1, 1, 1)).isEqualTo(1); // three of six are no majority
        assertThat(committed(6, 6, 6, 5, 1, 1)).isEqualTo(5);
    }

    @Test
    void equalAcknowledgementsCommitTheirIndex() {
        assertThat(committed(4, 4, 4, 4, 4)).isEqualTo(4);
    }

    @Test
    void aVoterWithoutProgressCountsAsHavingAcknowledgedNothing() {
        Map<Long, Long> acked = Map.of(1L, 8L, 2L, 8L);
        // voter 3 is unknown to the lookup: it reports 0, yet 1 and 2 are a majority of three
        assertThat(Majority.committedIndex(List.of(1L, 2L, 3L), id -> acked.getOrDefault(id, 0L)))
                .isEqualTo(8);
        assertThat(Majority.committedIndex(List.of(1L, 2L, 3L, 4L), id -> acked.getOrDefault(id, 0L)))
                .isZero();
    }

    /** Reference: section 5.2 - a candidate wins once it has votes from a majority of the full cluster. */
    @Test
    void aVoteIsWonOnceAMajorityGranted() {
        assertThat(vote(3, Map.of(1L, true, 2L, true))).isEqualTo(VoteResult.WON);
        assertThat(vote(5, Map.of(1L, true, 2L, true, 3L, true))).isEqualTo(VoteResult.WON);
        assertThat(vote(5, Map.of(1L, true, 2L, true, 3L, true, 4L, false, 5L, false)))
                .isEqualTo(VoteResult.WON);
        assertThat(vote(1, Map.of(1L, true))).isEqualTo(VoteResult.WON);
        assertThat(vote(4, Map.of(1L, true, 2L, true, 3L, true))).isEqualTo(VoteResult.WON);
    }

    @Test
    void aVoteIsPendingWhileTheMissingVotesCouldStillDecideIt() {
        assertThat(vote(3, Map.of())).isEqualTo(VoteResult.PENDING);
        assertThat(vote(3, Map.of(1L, true))).isEqualTo(VoteResult.PENDING);
        assertThat(vote(3, Map.of(1L, true, 2L, false))).isEqualTo(VoteResult.PENDING);
        assertThat(vote(5, Map.of(1L, true, 2L, true, 3L, false, 4L, false))).isEqualTo(VoteResult.PENDING);
        // half of an even cluster is neither a win nor a loss
        assertThat(vote(4, Map.of(1L, true, 2L, true))).isEqualTo(VoteResult.PENDING);
        assertThat(vote(4, Map.of(1L, true, 2L, false))).isEqualTo(VoteResult.PENDING);
        assertThat(vote(2, Map.of(1L, true))).isEqualTo(VoteResult.PENDING);
    }

    @Test
    void aVoteIsLostOnceAMajorityCanNoLongerGrant() {
        assertThat(vote(3, Map.of(1L, true, 2L, false, 3L, false))).isEqualTo(VoteResult.LOST);
        assertThat(vote(3, Map.of(2L, false, 3L, false))).isEqualTo(VoteResult.LOST);
        assertThat(vote(5, Map.of(1L, true, 2L, false, 3L, false, 4L, false))).isEqualTo(VoteResult.LOST);
        // of four voters, two rejections leave at most two grants: short of three
        assertThat(vote(4, Map.of(1L, true, 2L, false, 3L, false))).isEqualTo(VoteResult.LOST);
        assertThat(vote(2, Map.of(1L, true, 2L, false))).isEqualTo(VoteResult.LOST);
    }

    @Test
    void votesOfNonVotersDoNotCount() {
        // 4 and 5 are not voters of {1, 2, 3}: their grants do not make a majority
        assertThat(vote(3, Map.of(1L, true, 4L, true, 5L, true))).isEqualTo(VoteResult.PENDING);
        assertThat(vote(3, Map.of(1L, true, 4L, false, 5L, false))).isEqualTo(VoteResult.PENDING);
    }

    @Test
    void aConfigurationWithoutVotersLosesEveryVote() {
        assertThat(Majority.voteResult(List.of(), Map.of(1L, true))).isEqualTo(VoteResult.LOST);
    }
}
