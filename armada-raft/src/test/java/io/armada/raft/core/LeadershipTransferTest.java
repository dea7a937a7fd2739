package io.armada.raft.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.armada.raft.Message;
import io.armada.raft.MessageType;
import io.armada.raft.ProposeResult;
import io.armada.raft.RaftRole;
import io.armada.raft.RejectReason;
import io.armada.raft.Rejection;
import io.armada.raft.RequestResult;
import java.util.List;
import org.junit.jupiter.api.Test;

class LeadershipTransferTest {
    @Test
    void anUpToDateFollowerIsToldToCampaignAndWinsDespiteLeases() {
        TestCluster c = new TestCluster(TestCluster.testConfig(), 1L, 2L, 3L);
        TestNode leader = c.elect(1);
        long term = leader.status().term();
        assertThat(leader.core.transferLeadership(2)).isEqualTo(RequestResult.ACCEPTED);
        c.stabilize();
        assertThat(c.delivered).anyMatch(m -> m.type() == MessageType.TIMEOUT_NOW && m.from() == 1 && m.to() == 2);
        assertThat(c.node(2).status().role()).isEqualTo(RaftRole.LEADER);
        assertThat(c.node(2).status().term()).isEqualTo(term + 1);
        assertThat(leader.status().role()).isEqualTo(RaftRole.FOLLOWER);
    }

    @Test
    void aLaggingFollowerIsCaughtUpBeforeItIsToldToCampaign() {
        TestCluster c = new TestCluster(TestCluster.testConfig(), 1L, 2L, 3L);
        TestNode leader = c.elect(1);
        c.isolate(3);
        for (int i = 0; i < 5; i++) {
            leader.core.propose(new byte[] {(byte) i});
        }
        c.stabilize();
        c.heal();
        c.delivered.clear();
        leader.core.transferLeadership(3);
        c.stabilize();
        List<Message> to3 = c.delivered.stream().filter(m -> m.to() == 3).toList();
        int timeoutNow = indexOf(to3, MessageType.TIMEOUT_NOW);
        assertThat(timeoutNow).isPositive();
        assertThat(indexOf(to3, MessageType.APPEND)).isLessThan(timeoutNow);
        assertThat(c.node(3).status().role()).isEqualTo(RaftRole.LEADER);
        assertThat(c.node(3).appliedData()).hasSize(5);
    }

    private static int indexOf(List<Message> msgs, MessageType type) {
        for (int i = 0; i < msgs.size(); i++) {
            if (msgs.get(i).type() == type) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void proposalsAreRefusedDuringATransferAndAcceptedAgainWhenItIsAbandoned() {
        TestCluster c = new TestCluster(TestCluster.testConfig(), 1L, 2L, 3L);
        TestNode leader = c.elect(1);
        c.isolate(2);
        leader.core.transferLeadership(2);
        c.stabilize();
        assertThat(leader.status().leadTransferee()).isEqualTo(2);
        assertThat(leader.core.propose(new byte[] {1}))
                .isInstanceOf(Rejection.class)
                .extracting(r -> ((Rejection) r).reason())
                .isEqualTo(RejectReason.TRANSFERRING_LEADERSHIP);
        c.tickAll(c.config.electionTicks()); // 3 still answers heartbeats: 1 keeps leading
        assertThat(leader.status().role()).isEqualTo(RaftRole.LEADER);
        assertThat(leader.status().leadTransferee()).isZero();
        assertThat(leader.core.propose(new byte[] {1})).isInstanceOf(ProposeResult.Proposed.class);
    }

    @Test
    void aTransferToANonMemberIsRefusedAndToItselfChangesNothing() {
        TestCluster c = new TestCluster(TestCluster.testConfig(), 1L, 2L, 3L);
        TestNode leader = c.elect(1);
        assertThat(leader.core.transferLeadership(9)).isEqualTo(new Rejection(RejectReason.NOT_MEMBER, 1));
        assertThat(leader.core.transferLeadership(1)).isEqualTo(RequestResult.ACCEPTED);
        c.stabilize();
        assertThat(leader.status().role()).isEqualTo(RaftRole.LEADER);
        assertThat(leader.status().leadTransferee()).isZero();
        assertThat(c.node(2).core.transferLeadership(3)).isEqualTo(new Rejection(RejectReason.NOT_LEADER, 1));
    }
}
