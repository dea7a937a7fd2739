package io.armada.raft.core;

import static io.armada.raft.core.Fixtures.G;
import static io.armada.raft.core.Fixtures.drain;
import static io.armada.raft.core.Fixtures.msg;
import static org.assertj.core.api.Assertions.assertThat;

import io.armada.raft.ConfState;
import io.armada.raft.Entry;
import io.armada.raft.EntryType;
import io.armada.raft.HardState;
import io.armada.raft.Message;
import io.armada.raft.MessageType;
import io.armada.raft.RaftRole;
import io.armada.raft.Ready;
import io.armada.raft.RejectReason;
import io.armada.raft.Rejection;
import io.armada.raft.SnapshotChunk;
import io.armada.raft.SnapshotMeta;
import java.util.List;
import org.junit.jupiter.api.Test;

class ElectionTest {

    @Test
    void followerAsksForPreVotesAfterItsRandomizedTimeoutWithoutRaisingItsTerm() {
        TestNode n = Fixtures.nodeWithLog(1, List.of(1L, 2L, 3L), 1, 3, 1, 1, 1);
        for (int i = 0; i < 9; i++) {
            n.core.tick();
        }
        assertThat(n.status().role()).isEqualTo(RaftRole.FOLLOWER); // timeout is at least electionTicks
        for (int i = 0; i < 10; i++) {
            n.core.tick();
        }
        assertThat(n.status().role()).isEqualTo(RaftRole.PRE_CANDIDATE);
        assertThat(n.status().term()).isEqualTo(1);
        Ready rd = n.handleReady();
        assertThat(rd.allMessages())
                .containsExactly(
                        msg(MessageType.PRE_VOTE, 1, 2, 2).withLog(1, 3),
                        msg(MessageType.PRE_VOTE, 1, 3, 2).withLog(1, 3));
        assertThat(rd.hardState()).isNull(); // nothing to persist: the term did not change
    }

    @Test
    void preVoteQuorumStartsTheRealElectionAndTheVoteIsPersistedBeforeItIsSent() {
        TestNode n = Fixtures.nodeWithLog(1, List.of(1L, 2L, 3L), 1, 3, 1, 1, 1);
        n.core.campaign();
        drain(n);
        n.core.step(msg(MessageType.PRE_VOTE_RESPONSE, 2, 1, 2));
        assertThat(n.status().role()).isEqualTo(RaftRole.CANDIDATE);
        Ready rd = n.handleReady();
        assertThat(rd.hardState()).isEqualTo(new HardState(2, 1, 3));
        assertThat(rd.mustSync()).isTrue();
        assertThat(rd.allMessages())
                .containsExactly(
                        msg(MessageType.VOTE, 1, 2, 2).withLog(1, 3),
                        msg(MessageType.VOTE, 1, 3, 2).withLog(1, 3));

        n.core.step(msg(MessageType.VOTE_RESPONSE, 3, 1, 2));
        assertThat(n.status().role()).isEqualTo(RaftRole.LEADER);
        rd = n.handleReady();
        Entry noop = new Entry(2, 4, EntryType.NOOP, null);
        assertThat(rd.entries()).containsExactly(noop);
        assertThat(rd.allMessages())
                .containsExactly(
                        msg(MessageType.APPEND, 1, 2, 2)
                                .withLog(1, 3)
                                .withEntries(List.of(noop))
                                .withCommit(3),
                        msg(MessageType.APPEND, 1, 3, 2)
                                .withLog(1, 3)
                                .withEntries(List.of(noop))
                                .withCommit(3));
    }

    @Test
    void rejectedVotesFromAMajorityMakeTheCandidateAFollower() {
        TestNode n = Fixtures.nodeWithLog(
                1, List.of(1L, 2L, 3L), RaftConfigs.exact().withElectionSafety(false, true), 1, 3, 1, 1, 1);
        n.core.campaign();
        drain(n);
        assertThat(n.status().role()).isEqualTo(RaftRole.CANDIDATE);
        n.core.step(msg(MessageType.VOTE_RESPONSE, 2, 1, 2).withReject(0));
        assertThat(n.status().role()).isEqualTo(RaftRole.CANDIDATE); // one rejection is not a majority
        n.core.step(msg(MessageType.VOTE_RESPONSE, 3, 1, 2).withReject(0));
        assertThat(n.status().role()).isEqualTo(RaftRole.FOLLOWER);
        assertThat(n.status().term()).isEqualTo(2);
    }

    @Test
    void votesOnlyForCandidatesWithLogsAtLeastAsUpToDateAndOncePerTerm() {
        TestNode n = Fixtures.nodeWithLog(2, List.of(1L, 2L, 3L), 1, 1, 1, 1, 2);
        // shorter last term: rejected
        n.core.step(msg(MessageType.VOTE, 1, 2, 3).withLog(1, 9));
        assertThat(drain(n))
                .containsExactly(msg(MessageType.VOTE_RESPONSE, 2, 1, 3).withReject(0));
        // same last term but shorter log: rejected
        n.core.step(msg(MessageType.VOTE, 3, 2, 3).withLog(2, 2));
        assertThat(drain(n))
                .containsExactly(msg(MessageType.VOTE_RESPONSE, 2, 3, 3).withReject(0));
        // up to date: granted, and the vote is persisted with the response
        n.core.step(msg(MessageType.VOTE, 3, 2, 3).withLog(2, 3));
        Ready rd = n.handleReady();
        assertThat(rd.hardState().vote()).isEqualTo(3);
        assertThat(rd.mustSync()).isTrue();
        assertThat(rd.allMessages()).containsExactly(msg(MessageType.VOTE_RESPONSE, 2, 3, 3));
        // another candidate in the same term: rejected
        n.core.step(msg(MessageType.VOTE, 1, 2, 3).withLog(5, 9));
        assertThat(drain(n))
                .containsExactly(msg(MessageType.VOTE_RESPONSE, 2, 1, 3).withReject(0));
    }

    @Test
    void followerHearingALeaderIgnoresVoteRequestsOfHigherTerms() {
        TestNode n = Fixtures.nodeWithLog(2, List.of(1L, 2L, 3L), 1, 1, 1);
        n.core.step(msg(MessageType.HEARTBEAT, 1, 2, 1).withCommit(1));
        drain(n);
        n.core.step(msg(MessageType.VOTE, 3, 2, 5).withLog(1, 1));
        n.core.step(msg(MessageType.PRE_VOTE, 3, 2, 5).withLog(1, 1));
        assertThat(drain(n)).isEmpty();
        assertThat(n.status().term()).isEqualTo(1);
        assertThat(n.status().leaderId()).isEqualTo(1);
        // ... unless the leader itself asked for the election (leadership transfer)
        n.core.step(msg(MessageType.VOTE, 3, 2, 5).withLog(1, 1).withContext(Message.CAMPAIGN_TRANSFER));
        assertThat(drain(n)).containsExactly(msg(MessageType.VOTE_RESPONSE, 2, 3, 5));
    }

    @Test
    void aPartitionedNodeWithPreVoteDoesNotDisruptTheLeaderWhenItReturns() {
        TestCluster c = new TestCluster(TestCluster.testConfig(), 1L, 2L, 3L);
        c.elect(1);
        long term = c.node(1).status().term();
        c.isolate(3);
        c.tickAll(100);
        assertThat(c.node(3).status().term()).isEqualTo(term); // pre-votes failed, term never raised
        assertThat(c.node(3).status().role()).isIn(RaftRole.PRE_CANDIDATE, RaftRole.FOLLOWER);
        c.heal();
        c.tickAll(5);
        assertThat(c.node(1).status().role()).isEqualTo(RaftRole.LEADER);
        assertThat(c.node(1).status().term()).isEqualTo(term);
        assertThat(c.node(3).status().leaderId()).isEqualTo(1);
    }

    @Test
    void withoutPreVoteThePartitionedNodeRaisesItsTermAndForcesANewElection() {
        TestCluster c = new TestCluster(TestCluster.testConfig().withElectionSafety(false, true), 1L, 2L, 3L);
        c.elect(1);
        long term = c.node(1).status().term();
        c.isolate(3);
        c.tickAll(100);
        assertThat(c.node(3).status().term()).isGreaterThan(term + 1);
        c.heal();
        c.tickAll(50);
        assertThat(c.node(1).status().term()).isGreaterThan(term); // the contrast to the pre-vote case
        assertThat(c.leaderCount()).isEqualTo(1);
    }

    @Test
    void checkQuorumMakesAnIsolatedLeaderStepDown() {
        TestCluster c = new TestCluster(TestCluster.testConfig(), 1L, 2L, 3L);
        c.elect(1);
        c.isolate(1);
        c.tick(1, 10); // first check: everyone was recently active
        c.stabilize();
        assertThat(c.node(1).status().role()).isEqualTo(RaftRole.LEADER);
        c.tick(1, 10); // second check: nobody answered
        c.stabilize();
        assertThat(c.node(1).status().role()).isEqualTo(RaftRole.FOLLOWER);
        assertThat(c.node(1).status().leaderId()).isZero();
    }

    @Test
    void theOnlyVoterElectsItselfAndCommitsAlone() {
        TestCluster c = new TestCluster(TestCluster.testConfig(), 1L);
        TestNode n = c.elect(1);
        n.core.propose(new byte[] {1});
        c.stabilize();
        assertThat(n.appliedData()).containsExactly(new byte[] {1});
    }

    @Test
    void aLearnerNeverCampaigns() {
        TestNode learner = Fixtures.nodeWithLog(4, List.of(1L, 2L, 3L), 1, 1, 1);
        for (int i = 0; i < 100; i++) {
            learner.core.tick();
        }
        assertThat(learner.status().role()).isEqualTo(RaftRole.FOLLOWER);
        assertThat(drain(learner)).isEmpty();
    }

    @Test
    void staleLeaderLearnsTheNewTermFromAnAppendResponse() {
        TestNode n = Fixtures.nodeWithLog(2, List.of(1L, 2L, 3L), 5, 1, 1);
        n.core.step(msg(MessageType.APPEND, 1, 2, 3).withLog(1, 1).withCommit(1));
        assertThat(drain(n)).containsExactly(msg(MessageType.APPEND_RESPONSE, 2, 1, 5));
        assertThat(G).isEqualTo(TestCluster.GROUP);
    }

    @Test
    void aVoteRequestOfAnOlderTermIsRejectedWithOurTermSoTheCandidateCatchesUp() {
        TestNode n = Fixtures.nodeWithLog(2, java.util.List.of(1L, 2L, 3L), 5, 1, 1);
        n.core.step(msg(MessageType.VOTE, 1, 2, 3).withLog(1, 1));
        assertThat(drain(n))
                .containsExactly(msg(MessageType.VOTE_RESPONSE, 2, 1, 5).withReject(0));
        assertThat(n.status().term()).isEqualTo(5);
    }

    /**
     * Reference: section 5.1 - a server that learns of a larger term from any RPC or response sets its
     * term to it and, if it was leader, reverts to follower. Here the leader of term 2 sends to a follower
     * that is at term 5 already, and the follower's answer carries that term.
     */
    @Test
    void aStaleLeaderHearingAHigherTermInAResponseBecomesAFollowerOfThatTerm() {
        TestNode leader = Fixtures.nodeWithLog(1, List.of(1L, 2L, 3L), 1, 1, 1);
        Fixtures.makeLeader(leader, 2);
        List<Message> appends = Fixtures.to(drain(leader), 2);
        assertThat(leader.status().term()).isEqualTo(2);
        TestNode follower = Fixtures.nodeWithLog(2, List.of(1L, 2L, 3L), 5, 1, 1);
        for (Message m : appends) {
            follower.core.step(m);
        }
        List<Message> answers = drain(follower);
        assertThat(answers).containsExactly(msg(MessageType.APPEND_RESPONSE, 2, 1, 5));

        leader.core.step(answers.get(0));
        assertThat(leader.status().role()).isEqualTo(RaftRole.FOLLOWER);
        assertThat(leader.status().term()).isEqualTo(5);
        assertThat(leader.status().leaderId())
                .as("the responder is not a leader")
                .isZero();
        Ready rd = leader.handleReady();
        assertThat(rd.hardState()).isEqualTo(new HardState(5, 0, 1));
        assertThat(rd.mustSync()).isTrue();
        assertThat(leader.core.propose(new byte[] {1})).isEqualTo(new Rejection(RejectReason.NOT_LEADER, 0));
    }

    @Test
    void aLeaderStepsDownOnEveryKindOfResponseOfAHigherTerm() {
        SnapshotMeta meta = new SnapshotMeta(1, 1, ConfState.ofVoters(1L, 2L, 3L));
        List<Message> responses = List.of(
                msg(MessageType.APPEND_RESPONSE, 2, 1, 7).withLog(0, 1),
                msg(MessageType.APPEND_RESPONSE, 2, 1, 7).withLog(1, 3).withReject(1),
                msg(MessageType.HEARTBEAT_RESPONSE, 2, 1, 7),
                msg(MessageType.HEARTBEAT_RESPONSE, 2, 1, 7).withContext(1),
                msg(MessageType.VOTE_RESPONSE, 2, 1, 7).withReject(0),
                msg(MessageType.PRE_VOTE_RESPONSE, 2, 1, 7).withReject(0),
                msg(MessageType.SNAPSHOT_RESPONSE, 2, 1, 7).withSnapshot(new SnapshotChunk(meta, 0, null, false)),
                msg(MessageType.READ_INDEX_RESPONSE, 2, 1, 7));
        for (Message response : responses) {
            TestNode leader = Fixtures.nodeWithLog(1, List.of(1L, 2L, 3L), 1, 1, 1);
            Fixtures.makeLeader(leader, 2);
            drain(leader);
            leader.core.step(response);
            assertThat(leader.status().role()).as(response.toString()).isEqualTo(RaftRole.FOLLOWER);
            assertThat(leader.status().term()).as(response.toString()).isEqualTo(7);
            assertThat(leader.status().leaderId()).as(response.toString()).isZero();
        }
    }
}
