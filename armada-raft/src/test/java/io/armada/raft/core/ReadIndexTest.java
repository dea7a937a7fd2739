package io.armada.raft.core;

import static io.armada.raft.core.Fixtures.drain;
import static io.armada.raft.core.Fixtures.msg;
import static io.armada.raft.core.Fixtures.ofType;
import static org.assertj.core.api.Assertions.assertThat;

import io.armada.raft.Message;
import io.armada.raft.MessageType;
import io.armada.raft.RaftConfig;
import io.armada.raft.ReadState;
import io.armada.raft.RejectReason;
import io.armada.raft.Rejection;
import io.armada.raft.RequestResult;
import java.util.List;
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
        RaftConfig two = new RaftConfig(
                d.electionTicks(),
                d.heartbeatTicks(),
                d.maxSizePerMsgBytes(),
                d.maxInflightMsgs(),
                d.maxInflightBytes(),
                d.maxUncommittedBytes(),
                d.maxEntryBytes(),
                d.maxCommittedBytesPerReady(),
                d.maxSnapshotChunkBytes(),
                d.maxInflightSnapshotChunks(),
                2,
                d.preVote(),
                d.checkQuorum());
        TestCluster c = new TestCluster(two, 1L, 2L, 3L);
        TestNode leader = c.elect(1);
        c.isolate(1);
        assertThat(leader.core.readIndex(1)).isEqualTo(RequestResult.ACCEPTED);
        assertThat(leader.core.readIndex(2)).isEqualTo(RequestResult.ACCEPTED);
        assertThat(leader.core.readIndex(3)).isEqualTo(new Rejection(RejectReason.READ_QUEUE_FULL, 1));
    }

    /** Leader 1 of five voters at term 2 that committed its no-op (index 2) with the help of 2 and 3. */
    private static TestNode leaderOfFive() {
        TestNode leader = Fixtures.nodeWithLog(1, List.of(1L, 2L, 3L, 4L, 5L), 1, 1, 1);
        Fixtures.makeLeader(leader, 2, 3);
        drain(leader);
        long term = leader.status().term();
        leader.core.step(msg(MessageType.APPEND_RESPONSE, 2, 1, term).withLog(0, 2));
        leader.core.step(msg(MessageType.APPEND_RESPONSE, 3, 1, term).withLog(0, 2));
        drain(leader);
        assertThat(leader.status().commitIndex()).isEqualTo(2);
        return leader;
    }

    /**
     * Reference: section 8 - the leader serves a read once it exchanged heartbeats with a majority of
     * the cluster. Of five voters that is the leader and two followers: one follower's echo is not enough.
     */
    @Test
    void aLeaderOfFiveAnswersAReadOnlyOnceTwoFollowersEchoedItsRound() {
        TestNode leader = leaderOfFive();
        long term = leader.status().term();
        assertThat(leader.core.readIndex(42)).isEqualTo(RequestResult.ACCEPTED);
        List<Message> heartbeats = ofType(drain(leader), MessageType.HEARTBEAT);
        assertThat(heartbeats).extracting(Message::to).containsExactly(2L, 3L, 4L, 5L);
        long round = heartbeats.get(0).context();
        assertThat(heartbeats)
                .allSatisfy(m -> assertThat(m.context()).isEqualTo(round).isPositive());

        leader.core.step(msg(MessageType.HEARTBEAT_RESPONSE, 2, 1, term).withContext(round));
        leader.core.step(msg(MessageType.HEARTBEAT_RESPONSE, 2, 1, term).withContext(round)); // duplicated
        drain(leader);
        assertThat(leader.readStates)
                .as("the leader and one follower are two of five")
                .isEmpty();

        leader.core.step(msg(MessageType.HEARTBEAT_RESPONSE, 4, 1, term).withContext(round));
        drain(leader);
        assertThat(leader.readStates).containsExactly(new ReadState(42, 2));
    }

    @Test
    void aFollowersReadIsAnsweredByALeaderOfFiveOnlyOnceTwoFollowersEchoedItsRound() {
        TestNode leader = leaderOfFive();
        long term = leader.status().term();
        leader.core.step(msg(MessageType.READ_INDEX, 5, 1, term).withContext(9));
        long round = ofType(drain(leader), MessageType.HEARTBEAT).get(0).context();
        // the asking follower's own echo counts like any other: with the leader's, two of five
        leader.core.step(msg(MessageType.HEARTBEAT_RESPONSE, 5, 1, term).withContext(round));
        assertThat(ofType(drain(leader), MessageType.READ_INDEX_RESPONSE)).isEmpty();
        leader.core.step(msg(MessageType.HEARTBEAT_RESPONSE, 3, 1, term).withContext(round));
        assertThat(ofType(drain(leader), MessageType.READ_INDEX_RESPONSE))
                .containsExactly(msg(MessageType.READ_INDEX_RESPONSE, 1, 5, term)
                        .withLog(0, 2)
                        .withContext(9));
    }

    @Test
    void anEchoOfAnEarlierRoundDoesNotConfirmALaterRead() {
        TestNode leader = leaderOfFive();
        long term = leader.status().term();
        leader.core.readIndex(1);
        long first = ofType(drain(leader), MessageType.HEARTBEAT).get(0).context();
        leader.core.readIndex(2);
        long second = ofType(drain(leader), MessageType.HEARTBEAT).get(0).context();
        assertThat(second).isGreaterThan(first);
        leader.core.step(msg(MessageType.HEARTBEAT_RESPONSE, 2, 1, term).withContext(first));
        leader.core.step(msg(MessageType.HEARTBEAT_RESPONSE, 3, 1, term).withContext(first));
        drain(leader);
        assertThat(leader.readStates).containsExactly(new ReadState(1, 2));
        leader.core.step(msg(MessageType.HEARTBEAT_RESPONSE, 4, 1, term).withContext(second));
        drain(leader);
        assertThat(leader.readStates)
                .as("2 and 3 echoed only the earlier round")
                .containsExactly(new ReadState(1, 2));
        leader.core.step(msg(MessageType.HEARTBEAT_RESPONSE, 5, 1, term).withContext(second));
        drain(leader);
        assertThat(leader.readStates).containsExactly(new ReadState(1, 2), new ReadState(2, 2));
    }
}
