package io.armada.raft.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.armada.raft.ConfChange;
import io.armada.raft.ConfChange.ConfChangeType;
import io.armada.raft.Entry;
import io.armada.raft.Message;
import io.armada.raft.MessageType;
import io.armada.raft.ProposeResult;
import io.armada.raft.RaftRole;
import io.armada.raft.ReadState;
import io.armada.raft.RejectReason;
import io.armada.raft.Rejection;
import io.armada.raft.RequestResult;
import io.armada.raft.core.tracker.Inflights;
import io.armada.raft.core.tracker.Progress;
import org.junit.jupiter.api.Test;

/**
 * What the core promises at the edges mutation testing found unasserted: its identity, a lone
 * voter's reads, the proposal limits at their exact bounds, conf-change rejections, and a
 * removed leader's hand-over.
 */
class CoreContractTest {
    @Test
    void aCoreNamesItsGroupAndNode() {
        TestCluster c = new TestCluster(TestCluster.testConfig(), 1L, 2L);
        assertThat(c.node(2).core.groupId()).isEqualTo(TestCluster.GROUP);
        assertThat(c.node(2).core.nodeId()).isEqualTo(2);
    }

    /** Raft thesis §6.4: a lone voter is its own quorum, so it answers a read with no heartbeat round. */
    @Test
    void aSingleVoterAnswersAReadAtOnce() {
        TestCluster c = new TestCluster(TestCluster.testConfig(), 1L);
        TestNode n = c.elect(1);
        c.stabilize();
        long commit = n.status().commitIndex();
        assertThat(n.core.readIndex(5)).isInstanceOf(RequestResult.Accepted.class);
        n.handleReady();
        assertThat(n.readStates).containsExactly(new ReadState(5, commit));
    }

    @Test
    void anEntryOfExactlyTheMaximumSizeIsAcceptedAndOneByteMoreIsNot() {
        int max = 100;
        long limit = 2L * (max + Entry.OVERHEAD_BYTES); // room for exactly two such entries uncommitted
        TestCluster c = new TestCluster(TestCluster.testConfig().withProposalLimits(limit, max), 1L, 2L, 3L);
        TestNode leader = c.elect(1);
        c.stabilize();
        assertThat(leader.core.propose(new byte[max + 1]))
                .isInstanceOfSatisfying(
                        Rejection.class, r -> assertThat(r.reason()).isEqualTo(RejectReason.ENTRY_TOO_LARGE));
        c.isolate(1); // nothing commits: the proposals stay uncommitted
        assertThat(leader.core.propose(new byte[max])).isInstanceOf(ProposeResult.Proposed.class);
        assertThat(leader.core.propose(new byte[max])).isInstanceOf(ProposeResult.Proposed.class);
        assertThat(leader.core.propose(new byte[0]))
                .isInstanceOfSatisfying(
                        Rejection.class, r -> assertThat(r.reason()).isEqualTo(RejectReason.UNCOMMITTED_LIMIT));
    }

    @Test
    void aConfChangeIsRejectedOffTheLeaderAndWhenItChangesNothing() {
        TestCluster c = new TestCluster(TestCluster.testConfig(), 1L, 2L, 3L);
        TestNode leader = c.elect(1);
        assertThat(c.node(2).core.proposeConfChange(new ConfChange(ConfChangeType.REMOVE_NODE, 3)))
                .isInstanceOfSatisfying(
                        Rejection.class, r -> assertThat(r.reason()).isEqualTo(RejectReason.NOT_LEADER));
        assertThat(leader.core.proposeConfChange(new ConfChange(ConfChangeType.ADD_VOTER, 2)))
                .isInstanceOfSatisfying(
                        Rejection.class, r -> assertThat(r.reason()).isEqualTo(RejectReason.INVALID_CONF_CHANGE));
    }

    /**
     * A leader that removes itself sends TimeoutNow to the voter that holds its whole log, not to
     * one behind, then steps down (a successor whose removal entry is not yet applied campaigns at
     * its next election timeout instead).
     */
    @Test
    void aRemovedLeaderHandsOverToTheCaughtUpVoter() {
        TestCluster c = new TestCluster(TestCluster.testConfig(), 1L, 2L, 3L);
        TestNode leader = c.elect(1);
        c.cut(1, 3); // 3 falls behind
        leader.core.propose(new byte[] {1});
        c.stabilize();
        int before = c.delivered.size();
        assertThat(leader.core.proposeConfChange(new ConfChange(ConfChangeType.REMOVE_NODE, 1)))
                .isInstanceOf(ProposeResult.Proposed.class);
        c.stabilize();
        assertThat(c.delivered.subList(before, c.delivered.size()).stream()
                        .filter(m -> m.type() == MessageType.TIMEOUT_NOW)
                        .map(Message::to))
                .containsExactly(2L);
        assertThat(leader.status().role()).isEqualTo(RaftRole.FOLLOWER);
    }

    @Test
    void amongEquallyCaughtUpVotersTheFirstTakesOver() {
        TestCluster c = new TestCluster(TestCluster.testConfig(), 1L, 2L, 3L);
        TestNode leader = c.elect(1);
        int before = c.delivered.size();
        leader.core.proposeConfChange(new ConfChange(ConfChangeType.REMOVE_NODE, 1));
        c.stabilize();
        assertThat(c.delivered.subList(before, c.delivered.size()).stream()
                        .filter(m -> m.type() == MessageType.TIMEOUT_NOW)
                        .map(Message::to))
                .containsExactly(2L);
    }

    /** A transfer to a voter being removed ends with its removal: the leader takes proposals again. */
    @Test
    void removingTheTransfereeEndsTheTransfer() {
        TestCluster c = new TestCluster(TestCluster.testConfig(), 1L, 2L, 3L);
        TestNode leader = c.elect(1);
        c.cut(1, 3);
        leader.core.propose(new byte[] {1});
        c.stabilize(); // 3 is behind: a transfer to it waits for it to catch up
        assertThat(leader.core.proposeConfChange(new ConfChange(ConfChangeType.REMOVE_NODE, 3)))
                .isInstanceOf(ProposeResult.Proposed.class);
        assertThat(leader.core.transferLeadership(3)).isEqualTo(RequestResult.ACCEPTED);
        assertThat(leader.status().leadTransferee()).isEqualTo(3);
        c.stabilize();
        assertThat(leader.status().confState().voters()).containsExactly(1L, 2L);
        assertThat(leader.status().leadTransferee()).isZero();
        assertThat(leader.core.propose(new byte[] {2})).isInstanceOf(ProposeResult.Proposed.class);
    }

    @Test
    void aMessageFromNodeZeroIsRefused() {
        TestCluster c = new TestCluster(TestCluster.testConfig(), 1L, 2L);
        assertThatIllegalArgumentException()
                .isThrownBy(() -> c.node(1).core.step(Message.of(MessageType.HEARTBEAT, TestCluster.GROUP, 0, 1, 1)))
                .withMessageContaining("invalid sender 0");
    }

    @Test
    void inflightLimitsOfOneAreValidAndZeroIsNot() {
        assertThat(new Inflights(1, 1).full()).isFalse();
        assertThatIllegalArgumentException().isThrownBy(() -> new Inflights(0, 1));
        assertThatIllegalArgumentException().isThrownBy(() -> new Inflights(1, 0));
    }

    @Test
    void aProgressDescribesItself() {
        Progress p = new Progress(4, 7, true, new Inflights(3, 100));
        assertThat(p.toString()).isEqualTo(p.state() + " match=4 next=7 learner inflight=0/0B");
        Progress voter = new Progress(4, 7, false, new Inflights(3, 100));
        voter.pauseFlow();
        assertThat(voter.toString())
                .contains(" match=4 next=7 paused inflight=0/0B")
                .doesNotContain("learner");
    }
}
