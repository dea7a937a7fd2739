package io.armada.raft.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.armada.raft.ConfChange;
import io.armada.raft.ConfChange.ConfChangeType;
import io.armada.raft.ProposeResult;
import io.armada.raft.RaftRole;
import io.armada.raft.RejectReason;
import io.armada.raft.Rejection;
import org.junit.jupiter.api.Test;

class MembershipTest {
    private static TestCluster threeWithLearner4() {
        TestCluster c = new TestCluster(TestCluster.testConfig(), 1L, 2L, 3L);
        c.addEmptyNode(4);
        TestNode leader = c.elect(1);
        assertThat(leader.core.proposeConfChange(new ConfChange(ConfChangeType.ADD_LEARNER, 4)))
                .isInstanceOf(ProposeResult.Proposed.class);
        c.stabilize();
        c.tickAll(2);
        return c;
    }

    @Test
    void aLearnerReceivesEntriesButNeitherCountsForQuorumNorCampaigns() {
        TestCluster c = threeWithLearner4();
        TestNode leader = c.node(1);
        assertThat(leader.status().confState().learners()).containsExactly(4L);
        leader.core.propose(new byte[] {42});
        c.stabilize();
        c.tickAll(1);
        assertThat(c.node(4).appliedData()).containsExactly(new byte[] {42});
        // 1 and 2 alone are a majority of the three voters
        c.isolate(3);
        c.isolate(4);
        long commit = leader.status().commitIndex();
        leader.core.propose(new byte[] {43});
        c.stabilize();
        assertThat(leader.status().commitIndex()).isEqualTo(commit + 1);
        c.tick(4, 10 * c.config.electionTicks());
        c.node(4).handleReady();
        assertThat(c.node(4).status().role()).isEqualTo(RaftRole.FOLLOWER);
    }

    @Test
    void aPromotedLearnerCountsForQuorum() {
        TestCluster c = threeWithLearner4();
        TestNode leader = c.node(1);
        leader.core.proposeConfChange(new ConfChange(ConfChangeType.ADD_VOTER, 4));
        c.stabilize();
        assertThat(leader.status().confState().voters()).containsExactly(1L, 2L, 3L, 4L);
        // of four voters, 1 and 2 are no majority any more
        c.isolate(3);
        c.isolate(4);
        long commit = leader.status().commitIndex();
        leader.core.propose(new byte[] {1});
        c.stabilize();
        assertThat(leader.status().commitIndex()).isEqualTo(commit);
        c.heal();
        c.tickAll(1);
        assertThat(leader.status().commitIndex()).isEqualTo(commit + 1);
    }

    @Test
    void removingAVoterShrinksTheQuorum() {
        TestCluster c = new TestCluster(TestCluster.testConfig(), 1L, 2L, 3L);
        TestNode leader = c.elect(1);
        leader.core.proposeConfChange(new ConfChange(ConfChangeType.REMOVE_NODE, 3));
        c.stabilize();
        assertThat(leader.status().confState().voters()).containsExactly(1L, 2L);
        c.isolate(3);
        long commit = leader.status().commitIndex();
        leader.core.propose(new byte[] {1});
        c.stabilize();
        assertThat(leader.status().commitIndex()).isEqualTo(commit + 1);
    }

    @Test
    void onlyOneMembershipChangeMayBePendingAtATime() {
        TestCluster c = new TestCluster(TestCluster.testConfig(), 1L, 2L, 3L);
        c.addEmptyNode(4);
        c.addEmptyNode(5);
        TestNode leader = c.elect(1);
        assertThat(leader.core.proposeConfChange(new ConfChange(ConfChangeType.ADD_LEARNER, 4)))
                .isInstanceOf(ProposeResult.Proposed.class);
        assertThat(leader.core.proposeConfChange(new ConfChange(ConfChangeType.ADD_LEARNER, 5)))
                .isInstanceOf(Rejection.class)
                .extracting(r -> ((Rejection) r).reason())
                .isEqualTo(RejectReason.CONF_CHANGE_PENDING);
        c.stabilize();
        assertThat(leader.core.proposeConfChange(new ConfChange(ConfChangeType.ADD_LEARNER, 5)))
                .isInstanceOf(ProposeResult.Proposed.class);
    }

    @Test
    void aRemovedLeaderStopsLeadingAndTheOthersElectANewOne() {
        TestCluster c = new TestCluster(TestCluster.testConfig(), 1L, 2L, 3L);
        TestNode leader = c.elect(1);
        leader.core.proposeConfChange(new ConfChange(ConfChangeType.REMOVE_NODE, 1));
        c.stabilize();
        c.tickAll(3 * c.config.electionTicks());
        assertThat(leader.core.propose(new byte[] {1})).isInstanceOf(Rejection.class);
        assertThat(c.node(2).status().role() == RaftRole.LEADER
                        || c.node(3).status().role() == RaftRole.LEADER)
                .isTrue();
        assertThat(c.node(2).status().confState().voters()).containsExactly(2L, 3L);
    }

    @Test
    void aLeaderSendsAppendsBeforeItsOwnPersistOnlyWithNoMembershipChangeUnapplied() {
        TestCluster c = new TestCluster(TestCluster.testConfig(), 1L, 2L, 3L);
        TestNode leader = c.elect(1);
        c.stabilize();
        leader.core.propose(new byte[] {1});
        io.armada.raft.Ready rd = leader.core.ready();
        assertThat(rd.entries()).hasSize(1);
        assertThat(rd.messagesBeforePersist())
                .as("appends may overlap the leader's fsync")
                .isNotEmpty()
                .allMatch(m -> m.type() == io.armada.raft.MessageType.APPEND);
        assertThat(rd.messages()).noneMatch(m -> m.type() == io.armada.raft.MessageType.APPEND);
        leader.storage.persist(rd);
        leader.core.advance(rd);
        c.deliver(rd.allMessages());
        c.stabilize();

        // a removal proposed and not yet applied by the leader: every message waits for the persist
        leader.core.proposeConfChange(new ConfChange(ConfChangeType.REMOVE_NODE, 3));
        rd = leader.core.ready();
        assertThat(rd.messagesBeforePersist()).isEmpty();
        assertThat(rd.messages()).anyMatch(m -> m.type() == io.armada.raft.MessageType.APPEND);
        leader.storage.persist(rd);
        leader.core.advance(rd);
        c.deliver(rd.allMessages());
        c.stabilize();
        assertThat(leader.status().confState().voters()).containsExactly(1L, 2L);
        leader.core.propose(new byte[] {2});
        assertThat(leader.core.ready().messagesBeforePersist())
                .as("the removal is applied")
                .isNotEmpty();
    }

    /**
     * Thesis 10.2.1 lets a leader send appends while it persists its own, but not before it persisted the
     * term they carry: a single voter (with a learner) becomes leader in the Ready that raises its term,
     * and a crash before the fsync would bring it back at the old term, free to vote in the new one
     * (issue 13, finding 9).
     */
    @Test
    void aSingleVoterDoesNotSendAppendsBeforeItPersistedItsNewTerm() {
        TestCluster c = new TestCluster(TestCluster.testConfig(), 1L);
        c.addEmptyNode(4);
        TestNode leader = c.elect(1);
        assertThat(leader.core.proposeConfChange(new ConfChange(ConfChangeType.ADD_LEARNER, 4)))
                .isInstanceOf(ProposeResult.Proposed.class);
        c.stabilize();
        c.tickAll(2);
        assertThat(leader.status().confState().learners()).containsExactly(4L);
        long term = leader.status().term();

        // a restart: the same storage, a fresh core that campaigns alone and wins at once
        long applied = leader.applied.getLast().index();
        leader.core = new RaftCore(
                leader.groupId,
                1,
                leader.config,
                leader.storage,
                leader.storage,
                applied,
                new java.util.SplittableRandom(7));
        leader.core.campaign();
        io.armada.raft.Ready rd = leader.core.ready();
        assertThat(rd.hardState().term()).isEqualTo(term + 1);
        assertThat(leader.core.status().role()).isEqualTo(RaftRole.LEADER);
        assertThat(rd.messagesBeforePersist())
                .as("appends carry the unpersisted term")
                .isEmpty();
        assertThat(rd.messages()).anyMatch(m -> m.type() == io.armada.raft.MessageType.APPEND && m.to() == 4);
    }
}
