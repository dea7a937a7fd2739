package io.armada.raft.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.armada.raft.RaftConfig;
import io.armada.raft.ReadState;
import io.armada.raft.RejectReason;
import io.armada.raft.Rejection;
import io.armada.raft.RequestResult;
import org.junit.jupiter.api.Test;

class ReadIndexTest {
    private static TestCluster clusterWithLeader1() {
        TestCluster c = new TestCluster(TestCluster.testConfig(), 1L, 2L, 3L);
        TestNode leader = c.elect(1);
        leader.core.propose(new byte[] {1});
        c.stabilize();
        return c;
    }

    @Test
    void aLeaderAnswersAReadOnlyAfterAQuorumConfirmedItStillLeads() {
        TestCluster c = clusterWithLeader1();
        TestNode leader = c.node(1);
        long commit = leader.status().commitIndex();
        c.isolate(1);
        assertThat(leader.core.readIndex(42)).isEqualTo(RequestResult.ACCEPTED);
        c.stabilize();
        assertThat(leader.readStates).as("no heartbeat acknowledged yet").isEmpty();
        c.heal();
        c.tickAll(1); // the next heartbeat round reaches the followers and their answers confirm leadership
        assertThat(leader.readStates).containsExactly(new ReadState(42, commit));
    }

    @Test
    void aFollowerAsksTheLeaderAndGetsTheLeadersCommitIndex() {
        TestCluster c = clusterWithLeader1();
        long commit = c.node(1).status().commitIndex();
        assertThat(c.node(2).core.readIndex(7)).isEqualTo(RequestResult.ACCEPTED);
        c.stabilize();
        c.tickAll(1);
        assertThat(c.node(2).readStates).containsExactly(new ReadState(7, commit));
    }

    @Test
    void withoutALeaderAReadIsRejected() {
        TestCluster c = new TestCluster(TestCluster.testConfig(), 1L, 2L, 3L);
        assertThat(c.node(2).core.readIndex(1)).isEqualTo(new Rejection(RejectReason.NOT_LEADER, 0));
    }

    @Test
    void readsBeyondTheQueueLimitAreRejected() {
        RaftConfig d = TestCluster.testConfig();
        RaftConfig two = new RaftConfig(d.electionTicks(), d.heartbeatTicks(), d.maxSizePerMsgBytes(), d.maxInflightMsgs(),
                d.maxInflightBytes(), d.maxUncommittedBytes(), d.maxEntryBytes(), d.maxCommittedBytesPerReady(),
                d.maxSnapshotChunkBytes(), d.maxInflightSnapshotChunks(), 2, d.preVote(), d.checkQuorum());
        TestCluster c = new TestCluster(two, 1L, 2L, 3L);
        TestNode leader = c.elect(1);
        c.isolate(1);
        assertThat(leader.core.readIndex(1)).isEqualTo(RequestResult.ACCEPTED);
        assertThat(leader.core.readIndex(2)).isEqualTo(RequestResult.ACCEPTED);
        assertThat(leader.core.readIndex(3)).isEqualTo(new Rejection(RejectReason.READ_QUEUE_FULL, 1));
    }
}
