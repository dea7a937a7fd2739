package io.armada.raft.core;

import static io.armada.raft.core.Fixtures.G;
import static io.armada.raft.core.Fixtures.drain;
import static io.armada.raft.core.Fixtures.msg;
import static org.assertj.core.api.Assertions.assertThat;

import io.armada.raft.ConfChange;
import io.armada.raft.ConfChange.ConfChangeType;
import io.armada.raft.ConfState;
import io.armada.raft.Entry;
import io.armada.raft.EntryType;
import io.armada.raft.HardState;
import io.armada.raft.Message;
import io.armada.raft.MessageType;
import io.armada.raft.ProposeResult;
import io.armada.raft.RaftConfig;
import io.armada.raft.RaftRole;
import io.armada.raft.RejectReason;
import io.armada.raft.Rejection;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How candidates treat the answers and leaders they hear, and how membership changes still in the log (committed
 * but unapplied, or not yet committed) hold back a campaign or a leader's proposals.
 */
class CandidateAndMembershipLogTest {
    private static final List<Long> VOTERS = List.of(1L, 2L, 3L);

    private static Entry normal(long index) {
        return new Entry(1, index, EntryType.NORMAL, new byte[] {(byte) index});
    }

    private static Entry confChange(long index, ConfChange change) {
        return new Entry(1, index, EntryType.CONF_CHANGE, change.encode());
    }

    /** Node 1 of voters 1-3 at term 1 with {@code entries} stored and committed up to {@code commit}; no Ready handled. */
    private static TestNode unapplied(long commit, Entry... entries) {
        return unapplied(RaftConfigs.exact(), commit, entries);
    }

    private static TestNode unapplied(RaftConfig config, long commit, Entry... entries) {
        MemoryStorage s = new MemoryStorage();
        s.entries.addAll(List.of(entries));
        s.hardState = new HardState(1, 0, commit);
        s.confState = ConfState.of(VOTERS, List.of());
        return new TestNode(1, G, config, s, 1);
    }

    private static TestNode applied(long commit, Entry... entries) {
        TestNode n = unapplied(commit, entries);
        drain(n);
        return n;
    }

    private static final ConfChange ADD_LEARNER_4 = new ConfChange(ConfChangeType.ADD_LEARNER, 4);

    /** Reference: Raft §5.2 - a vote counts only in the election it answers; a pre-vote is another round. */
    @Test
    void aPreCandidateIgnoresAVoteResponseAndACandidateAPreVoteResponse() {
        TestNode n = Fixtures.nodeWithLog(1, VOTERS, 1, 3, 1, 1, 1);
        n.core.campaign();
        drain(n);
        assertThat(n.status().role()).isEqualTo(RaftRole.PRE_CANDIDATE);
        n.core.step(msg(MessageType.VOTE_RESPONSE, 2, 1, 1));
        assertThat(n.status().role())
                .as("a vote of our own term is no pre-vote")
                .isEqualTo(RaftRole.PRE_CANDIDATE);
        n.core.step(msg(MessageType.PRE_VOTE_RESPONSE, 2, 1, 2));
        assertThat(n.status().role()).isEqualTo(RaftRole.CANDIDATE);
        assertThat(n.status().term()).isEqualTo(2);
        drain(n);
        n.core.step(msg(MessageType.PRE_VOTE_RESPONSE, 3, 1, 2));
        assertThat(n.status().role()).as("a late pre-vote is no vote").isEqualTo(RaftRole.CANDIDATE);
        n.core.step(msg(MessageType.VOTE_RESPONSE, 3, 1, 2));
        assertThat(n.status().role()).isEqualTo(RaftRole.LEADER);
    }

    /** Reference: Raft §5.2 - a candidate that hears from a leader of its own term returns to follower state. */
    @Test
    void aCandidateHearingAHeartbeatOfItsTermFollowsTheSender() {
        TestNode n = candidateAtTerm2();
        n.core.step(msg(MessageType.HEARTBEAT, 3, 1, 2).withCommit(3));
        assertThat(n.status().role()).isEqualTo(RaftRole.FOLLOWER);
        assertThat(n.status().leaderId()).isEqualTo(3);
        assertThat(n.status().term()).isEqualTo(2);
        assertThat(drain(n)).contains(msg(MessageType.HEARTBEAT_RESPONSE, 1, 3, 2));
    }

    /** Reference: Raft §5.2. */
    @Test
    void aCandidateHearingAnAppendOfItsTermFollowsTheSender() {
        TestNode n = candidateAtTerm2();
        n.core.step(msg(MessageType.APPEND, 2, 1, 2).withLog(1, 3).withCommit(3));
        assertThat(n.status().role()).isEqualTo(RaftRole.FOLLOWER);
        assertThat(n.status().leaderId()).isEqualTo(2);
        assertThat(drain(n)).anySatisfy(m -> {
            assertThat(m.type()).isEqualTo(MessageType.APPEND_RESPONSE);
            assertThat(m.to()).isEqualTo(2);
            assertThat(m.reject()).isFalse();
        });
    }

    /** Reference: Raft §5.2 - losing the election leaves the node a follower of no known leader, same term. */
    @Test
    void aCandidateRejectedByAMajorityFollowsNobodyInItsTerm() {
        TestNode n = candidateAtTerm2();
        n.core.step(msg(MessageType.VOTE_RESPONSE, 2, 1, 2).withReject(0));
        assertThat(n.status().role()).as("one rejection of three").isEqualTo(RaftRole.CANDIDATE);
        n.core.step(msg(MessageType.VOTE_RESPONSE, 3, 1, 2).withReject(0));
        assertThat(n.status().role()).isEqualTo(RaftRole.FOLLOWER);
        assertThat(n.status().term()).isEqualTo(2);
        assertThat(n.status().leaderId()).isZero();
    }

    private static TestNode candidateAtTerm2() {
        TestNode n = Fixtures.nodeWithLog(1, VOTERS, 1, 3, 1, 1, 1);
        n.core.campaign();
        n.core.step(msg(MessageType.PRE_VOTE_RESPONSE, 2, 1, 2));
        drain(n);
        assertThat(n.status().role()).isEqualTo(RaftRole.CANDIDATE);
        return n;
    }

    /** Reference: Raft thesis §4.1 - a server uses the latest configuration; ours may be stale until applied. */
    @Test
    void aCommittedButUnappliedMembershipChangeHoldsBackACampaign() {
        TestNode n = unapplied(3, normal(1), normal(2), confChange(3, ADD_LEARNER_4));
        n.core.campaign();
        assertThat(n.status().role())
                .as("the change at the commit index itself counts")
                .isEqualTo(RaftRole.FOLLOWER);
        n.core.step(msg(MessageType.TIMEOUT_NOW, 2, 1, 1));
        assertThat(n.status().role()).isEqualTo(RaftRole.FOLLOWER);
        drain(n);
        assertThat(n.status().appliedIndex()).isEqualTo(3);
        n.core.campaign();
        assertThat(n.status().role())
                .as("a change applied, even the last one, no longer holds it back")
                .isEqualTo(RaftRole.PRE_CANDIDATE);
    }

    @Test
    void aMembershipChangeBeforeTheLastAppliedEntryDoesNotHoldBackALeadershipTransfer() {
        TestNode n = applied(3, normal(1), confChange(2, ADD_LEARNER_4), normal(3));
        n.core.step(msg(MessageType.TIMEOUT_NOW, 2, 1, 1));
        assertThat(n.status().role()).isEqualTo(RaftRole.CANDIDATE);
        assertThat(n.status().term()).isEqualTo(2);
    }

    @Test
    void anUncommittedMembershipChangeDoesNotHoldBackACampaign() {
        TestNode n = applied(2, normal(1), normal(2), confChange(3, ADD_LEARNER_4));
        n.core.campaign();
        assertThat(n.status().role()).isEqualTo(RaftRole.PRE_CANDIDATE);
    }

    @Test
    void aChangeUnappliedBehindManyEntriesIsFoundAcrossPages() {
        Entry[] entries = new Entry[40];
        for (int i = 0; i < entries.length; i++) {
            entries[i] = normal(i + 1);
        }
        entries[38] = confChange(39, ADD_LEARNER_4);
        // one entry per page: the search must go on past the first
        TestNode n = unapplied(RaftConfigs.exact().withFlowControl(1, 4, 1 << 20), 40, entries);
        n.core.campaign();
        assertThat(n.status().role()).isEqualTo(RaftRole.FOLLOWER);
    }

    /**
     * Reference: Raft thesis §4.2.2 - a leader whose log removes it (the change not yet committed) keeps replicating
     * but takes no new proposals.
     */
    @Test
    void aLeaderElectedWithItsOwnRemovalInItsLogRefusesProposals() {
        TestNode n = applied(1, normal(1), confChange(2, new ConfChange(ConfChangeType.REMOVE_NODE, 1)));
        Fixtures.makeLeader(n, 2);
        drain(n);
        ProposeResult r = n.core.propose(new byte[] {9});
        assertThat(r).isInstanceOf(Rejection.class);
        assertThat(((Rejection) r).reason()).isEqualTo(RejectReason.TRANSFERRING_LEADERSHIP);
    }

    @Test
    void aLeaderFindsItsOwnRemovalBehindManyEntriesAcrossPages() {
        Entry[] entries = new Entry[30];
        for (int i = 0; i < entries.length; i++) {
            entries[i] = normal(i + 1);
        }
        entries[29] = confChange(30, new ConfChange(ConfChangeType.REMOVE_NODE, 1));
        TestNode n = unapplied(RaftConfigs.exact().withFlowControl(1, 4, 1 << 20), 1, entries);
        drain(n);
        Fixtures.makeLeader(n, 2);
        drain(n);
        assertThat(n.core.propose(new byte[] {9})).isInstanceOf(Rejection.class);
    }

    @Test
    void aLeaderElectedWithAnotherNodesRemovalInItsLogTakesProposals() {
        TestNode n = applied(1, normal(1), confChange(2, new ConfChange(ConfChangeType.REMOVE_NODE, 3)));
        Fixtures.makeLeader(n, 2);
        drain(n);
        assertThat(n.core.propose(new byte[] {9})).isInstanceOf(ProposeResult.Proposed.class);
    }

    @Test
    void aLeaderElectedAfterApplyingItsOwnReAdditionTakesProposals() {
        // the removal and re-addition are both applied: the log ahead of the applied index changes nothing
        TestNode n = applied(
                3,
                normal(1),
                confChange(2, new ConfChange(ConfChangeType.ADD_LEARNER, 1)),
                confChange(3, new ConfChange(ConfChangeType.ADD_VOTER, 1)),
                normal(4));
        Fixtures.makeLeader(n, 2);
        drain(n);
        assertThat(n.core.propose(new byte[] {9})).isInstanceOf(ProposeResult.Proposed.class);
    }
    /**
     * Reference: Raft §6 (of the thesis, §4.2.3) - a server that heard from a leader within the minimum election
     * timeout ignores vote requests; the lease ends exactly at that timeout.
     */
    @Test
    void aFollowersLeaseEndsExactlyAfterTheElectionTimeout() {
        TestNode n = Fixtures.nodeWithLog(1, VOTERS, 1, 3, 1, 1, 1);
        n.core.step(msg(MessageType.HEARTBEAT, 2, 1, 1).withCommit(3));
        drain(n);
        for (int i = 0; i < 9; i++) {
            n.core.tick();
        }
        n.core.step(msg(MessageType.VOTE, 3, 1, 2).withLog(1, 3));
        assertThat(n.status().term()).as("within the lease").isEqualTo(1);
        assertThat(drain(n)).noneMatch(m -> m.type() == MessageType.VOTE_RESPONSE);
        n.core.tick(); // 10 ticks: the lease is over
        assertThat(n.status().role())
                .as("the randomized timeout is longer: no campaign yet")
                .isEqualTo(RaftRole.FOLLOWER);
        n.core.step(msg(MessageType.VOTE, 3, 1, 2).withLog(1, 3));
        assertThat(n.status().term()).isEqualTo(2);
        assertThat(drain(n)).contains(msg(MessageType.VOTE_RESPONSE, 1, 3, 2));
    }

    /** Reference: Raft §5.3 - followers learn of a commit from the leader's next APPEND. */
    @Test
    void aLeaderTellsFollowersAtOnceWhenPersistingItsOwnEntryCommitsIt() {
        TestNode leader = Fixtures.nodeWithLog(1, VOTERS, 1, 1, 1);
        Fixtures.makeLeader(leader, 2);
        long term = leader.status().term();
        leader.core.step(msg(MessageType.APPEND_RESPONSE, 2, 1, term).withLog(0, 2));
        assertThat(leader.status().commitIndex()).isEqualTo(1);
        List<Message> out = drain(leader); // persisting the no-op commits it
        assertThat(leader.status().commitIndex()).isEqualTo(2);
        assertThat(out).anySatisfy(m -> {
            assertThat(m.type()).isEqualTo(MessageType.APPEND);
            assertThat(m.to()).isEqualTo(2);
            assertThat(m.commit()).isEqualTo(2);
        });
    }

    /** Reference: Raft thesis §4.1 - once a removal is applied, a majority of the remaining voters commits. */
    @Test
    void aLeaderTellsFollowersAtOnceWhenARemovalShrinksTheQuorumAndCommitsAnEntry() {
        TestNode leader = Fixtures.nodeWithLog(1, List.of(1L, 2L, 3L, 4L), 1, 1, 1);
        Fixtures.makeLeader(leader, 2, 3);
        drain(leader); // the no-op at 2
        long term = leader.status().term();
        for (long peer : List.of(2L, 3L)) {
            leader.core.step(msg(MessageType.APPEND_RESPONSE, peer, 1, term).withLog(0, 2));
        }
        drain(leader);
        assertThat(leader.status().commitIndex()).isEqualTo(2);
        assertThat(leader.core.proposeConfChange(new ConfChange(ConfChangeType.REMOVE_NODE, 4)))
                .isEqualTo(new ProposeResult.Proposed(term, 3));
        assertThat(leader.core.propose(new byte[] {7})).isEqualTo(new ProposeResult.Proposed(term, 4));
        drain(leader); // the leader holds 3 and 4
        leader.core.step(msg(MessageType.APPEND_RESPONSE, 2, 1, term).withLog(0, 4));
        leader.core.step(msg(MessageType.APPEND_RESPONSE, 3, 1, term).withLog(0, 3));
        assertThat(leader.status().commitIndex()).as("three of four hold 3").isEqualTo(3);
        List<Message> out = drain(leader); // applies the removal: two of three hold 4
        assertThat(leader.status().confState().voters()).containsExactly(1L, 2L, 3L);
        assertThat(leader.status().commitIndex()).isEqualTo(4);
        assertThat(out).anySatisfy(m -> {
            assertThat(m.type()).isEqualTo(MessageType.APPEND);
            assertThat(m.to()).isEqualTo(3);
            assertThat(m.commit()).isEqualTo(4);
        });
    }
}
