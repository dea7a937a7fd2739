package io.armada.raft.core;

import static io.armada.raft.core.Fixtures.drain;
import static io.armada.raft.core.Fixtures.msg;
import static io.armada.raft.core.Fixtures.ofType;
import static io.armada.raft.core.Fixtures.to;
import static org.assertj.core.api.Assertions.assertThat;

import io.armada.raft.Entry;
import io.armada.raft.EntryType;
import io.armada.raft.Message;
import io.armada.raft.MessageType;
import io.armada.raft.ProposeResult;
import io.armada.raft.RaftConfig;
import io.armada.raft.RaftRole;
import io.armada.raft.RejectReason;
import io.armada.raft.Rejection;
import io.armada.raft.core.tracker.Progress;
import io.armada.raft.core.tracker.ProgressState;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplicationTest {

    @Test
    void followerAppendsAndAcknowledgesOnlyAfterPersisting() {
        TestNode f = Fixtures.nodeWithLog(2, List.of(1L, 2L, 3L), 2, 1, 1, 1);
        Entry e3 = new Entry(2, 3, EntryType.NORMAL, new byte[] {3});
        f.core.step(msg(MessageType.APPEND, 1, 2, 2)
                .withLog(1, 2)
                .withEntries(List.of(e3))
                .withCommit(3));
        var rd = f.core.ready();
        assertThat(rd.entries()).containsExactly(e3);
        assertThat(rd.mustSync()).isTrue();
        assertThat(rd.committedEntries()).extracting(Entry::index).containsExactly(2L, 3L); // commit = min(3, last new)
        // the acknowledgement promises entry 3 is on disk: it is sent only after the persist, never before
        assertThat(rd.messages())
                .containsExactly(msg(MessageType.APPEND_RESPONSE, 2, 1, 2).withLog(0, 3));
        assertThat(rd.messagesBeforePersist()).isEmpty();
        f.storage.persist(rd);
        f.core.advance(rd);
        assertThat(f.status().commitIndex()).isEqualTo(3);
    }

    @Test
    void followerRejectsAMismatchWithAHintThatSkipsItsDivergentTerm() {
        // follower terms: 1 1 1 2 2 2 ; leader probes after (index 6, term 3)
        TestNode f = Fixtures.nodeWithLog(2, List.of(1L, 2L, 3L), 3, 3, 1, 1, 1, 2, 2, 2);
        f.core.step(msg(MessageType.APPEND, 1, 2, 4).withLog(3, 6).withCommit(3));
        assertThat(drain(f))
                .containsExactly(
                        msg(MessageType.APPEND_RESPONSE, 2, 1, 4).withLog(2, 6).withReject(6));
        // probe at (8, 3) beyond our log: hint is our last index with a term <= 3
        f.core.step(msg(MessageType.APPEND, 1, 2, 4).withLog(3, 8).withCommit(3));
        assertThat(drain(f))
                .containsExactly(
                        msg(MessageType.APPEND_RESPONSE, 2, 1, 4).withLog(2, 8).withReject(6));
        // probe at (5, 1): every entry of ours above index 3 has a term > 1, so the hint jumps to 3
        f.core.step(msg(MessageType.APPEND, 1, 2, 4).withLog(1, 5).withCommit(3));
        assertThat(drain(f))
                .containsExactly(
                        msg(MessageType.APPEND_RESPONSE, 2, 1, 4).withLog(1, 5).withReject(3));
    }

    @Test
    void conflictingUncommittedEntriesAreReplacedAndTheEngineToldToOverwrite() {
        TestNode f = Fixtures.nodeWithLog(2, List.of(1L, 2L, 3L), 3, 2, 1, 1, 2, 2);
        Entry e3 = new Entry(3, 3, EntryType.NORMAL, new byte[] {9});
        f.core.step(msg(MessageType.APPEND, 1, 2, 3)
                .withLog(1, 2)
                .withEntries(List.of(e3))
                .withCommit(2));
        var rd = f.handleReady();
        assertThat(rd.entries()).containsExactly(e3);
        assertThat(f.storage.lastIndex()).isEqualTo(3);
        assertThat(f.storage.term(3)).isEqualTo(3);
        assertThat(f.status().lastIndex()).isEqualTo(3);
    }

    @Test
    void leaderFindsTheMatchOfADivergentFollowerInOneProbePerTerm() {
        // Raft paper figure 7 shape: leader terms 1 1 1 4 4 5 5 6 6 6, follower 1 1 1 2 2 2 3 3 3 3 3
        TestNode leader = Fixtures.nodeWithLog(1, List.of(1L, 2L, 3L), 7, 3, 1, 1, 1, 4, 4, 5, 5, 6, 6, 6);
        TestNode follower = Fixtures.nodeWithLog(2, List.of(1L, 2L, 3L), 7, 3, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3);
        Fixtures.makeLeader(leader, 3);
        List<Message> toFollower = to(drain(leader), 2);
        int appends = 0;
        while (!toFollower.isEmpty()) {
            List<Message> back = new ArrayList<>();
            for (Message m : toFollower) {
                if (m.type() == MessageType.APPEND) {
                    appends++;
                }
                follower.core.step(m);
                back.addAll(drain(follower));
            }
            List<Message> next = new ArrayList<>();
            for (Message m : back) {
                leader.core.step(m);
            }
            next.addAll(to(drain(leader), 2));
            toFollower = next;
            if (appends > 20) {
                break;
            }
        }
        assertThat(follower.storage.entries).isEqualTo(leader.storage.entries);
        // probe at 11, hint (3 via term 3 <= 6 ... ) then a few steps: far fewer than the 8 divergent entries
        assertThat(appends).isLessThanOrEqualTo(4);
    }

    @Test
    void leaderCommitsAnEntryOfAnEarlierTermOnlyTogetherWithOneOfItsOwn() {
        // Raft §5.4.2 / figure 8: index 2 (term 2) replicated on a majority must not be committed by counting
        TestNode leader = Fixtures.nodeWithLog(1, List.of(1L, 2L, 3L), 2, 1, 1, 2);
        Fixtures.makeLeader(leader, 2);
        drain(leader);
        assertThat(leader.status().term()).isEqualTo(3);
        leader.core.step(msg(MessageType.APPEND_RESPONSE, 2, 1, 3).withLog(0, 2));
        drain(leader);
        assertThat(leader.status().commitIndex()).isEqualTo(1);
        leader.core.step(msg(MessageType.APPEND_RESPONSE, 2, 1, 3).withLog(0, 3));
        drain(leader);
        assertThat(leader.status().commitIndex()).isEqualTo(3);
        assertThat(leader.applied).extracting(Entry::index).containsExactly(1L, 2L, 3L);
    }

    /**
     * Reference: section 5.4.2, Figure 8 - played out on five servers. (c) S1 leads term 4 and replicates
     * its entry of term 2 (index 2) on S2 and S3, a majority, but not its own entry of term 4: it must not
     * count the term-2 entry as committed. (d) S1 crashes; S5, holding an entry of term 3 at index 2, wins
     * term 5 with the votes of S2, S3 and S4 and overwrites index 2 everywhere. Had S1 committed it (and
     * told S2 and S3 with its heartbeat), a committed entry would now be lost.
     */
    @Test
    void anEntryOfAnEarlierTermStoredOnAMajorityIsNotCommittedAndMayStillBeOverwritten() {
        // no pre-vote or check-quorum, as in the paper; one entry per APPEND so entry 2 travels alone
        RaftConfig cfg = RaftConfigs.exact().withElectionSafety(false, false).withFlowControl(1, 256, 1 << 20);
        List<Long> voters = List.of(1L, 2L, 3L, 4L, 5L);
        TestCluster c = new TestCluster(cfg);
        c.nodes.put(1L, Fixtures.nodeWithLog(1, voters, cfg, 3, 1, 1, 2)); // S1 led term 2
        c.nodes.put(2L, Fixtures.nodeWithLog(2, voters, cfg, 3, 1, 1));
        c.nodes.put(3L, Fixtures.nodeWithLog(3, voters, cfg, 3, 1, 1));
        c.nodes.put(4L, Fixtures.nodeWithLog(4, voters, cfg, 3, 1, 1));
        c.nodes.put(5L, Fixtures.nodeWithLog(5, voters, cfg, 3, 1, 1, 3)); // S5 led term 3

        // (c) S1 is elected for term 4 by S2 and S3; S4 and S5 do not hear from it
        c.cut(1, 4);
        c.cut(1, 5);
        // S2 and S3 get entry 2, but every APPEND that would give them S1's own entry of term 4 is lost
        c.dropIf = m -> m.type() == MessageType.APPEND
                && m.entries().stream().anyMatch(e -> e.term() == 4)
                && c.node(m.to()).status().lastIndex() >= 2;
        TestNode s1 = c.node(1);
        s1.core.campaign();
        c.stabilize();
        assertThat(s1.status().role()).isEqualTo(RaftRole.LEADER);
        assertThat(s1.status().term()).isEqualTo(4);
        for (long s : List.of(2L, 3L)) {
            assertThat(c.node(s).storage.entries)
                    .extracting(Entry::term)
                    .as("S" + s)
                    .containsExactly(1L, 2L);
            assertThat(s1.core.progress().get(s).match()).isEqualTo(2);
        }
        assertThat(s1.status().commitIndex())
                .as("entry 2 is of term 2, not the leader's")
                .isEqualTo(1);
        s1.core.tick(); // a last heartbeat carries S1's commit index to S2 and S3
        c.stabilize();
        assertThat(c.node(2).status().commitIndex()).isEqualTo(1);

        // (d) S1 crashes; S5 campaigns: term 4 is taken (S2 and S3 voted for S1), term 5 it wins
        c.isolate(1);
        c.dropIf = m -> false;
        TestNode s5 = c.node(5);
        s5.core.campaign();
        c.stabilize();
        assertThat(s5.status().role()).isEqualTo(RaftRole.CANDIDATE);
        s5.core.campaign();
        c.stabilize();
        assertThat(s5.status().role()).isEqualTo(RaftRole.LEADER);
        assertThat(s5.status().term()).isEqualTo(5);
        for (long s : List.of(2L, 3L, 4L, 5L)) {
            assertThat(c.node(s).storage.entries)
                    .extracting(Entry::term)
                    .as("S" + s)
                    .containsExactly(1L, 3L, 5L);
            assertThat(c.node(s).status().commitIndex()).isEqualTo(3);
        }

        // S1 returns and follows S5: its term-2 entry, never committed, is replaced as well
        c.heal();
        c.tickAll(2);
        assertThat(s1.status().leaderId()).isEqualTo(5);
        for (TestNode n : c.nodes.values()) {
            assertThat(n.applied)
                    .extracting(Entry::term)
                    .as("S" + n.id + " applied")
                    .containsExactly(1L, 3L, 5L);
        }
    }

    @Test
    void leaderCountsItselfOnlyOnceItsOwnEntriesArePersisted() {
        TestNode leader = Fixtures.nodeWithLog(1, List.of(1L, 2L, 3L), 1, 1, 1);
        Fixtures.makeLeader(leader, 2);
        // the no-op (index 2) is not persisted yet: a single follower ack is not a quorum
        leader.core.step(
                msg(MessageType.APPEND_RESPONSE, 2, 1, leader.status().term()).withLog(0, 2));
        assertThat(leader.status().commitIndex()).isEqualTo(1);
        drain(leader); // persisted: now leader + follower 2 form a quorum
        assertThat(leader.status().commitIndex()).isEqualTo(2);
    }

    @Test
    void followersAndCandidatesRejectProposalsWithTheLeaderHint() {
        TestCluster c = new TestCluster(TestCluster.testConfig(), 1L, 2L, 3L);
        c.elect(2);
        assertThat(c.node(1).core.propose(new byte[] {1})).isEqualTo(new Rejection(RejectReason.NOT_LEADER, 2));
        TestNode lone = Fixtures.nodeWithLog(1, List.of(1L, 2L, 3L), 1, 1, 1);
        assertThat(lone.core.propose(new byte[] {1})).isEqualTo(new Rejection(RejectReason.NOT_LEADER, 0));
    }

    @Test
    void inflightWindowCapsMessagesAndBytesPerFollower() {
        RaftConfig cfg = TestCluster.testConfig().withFlowControl(1, 3, 10_000);
        TestCluster c = new TestCluster(cfg, 1L, 2L, 3L);
        TestNode leader = c.elect(1);
        assertThat(leader.core.progress().get(2L).state()).isEqualTo(ProgressState.REPLICATE);
        for (int i = 0; i < 10; i++) {
            assertThat(leader.core.propose(new byte[100])).isInstanceOf(ProposeResult.Proposed.class);
        }
        List<Message> out = drain(leader);
        // maxSizePerMsg of 1 byte: one entry per message; at most 3 messages in flight
        List<Message> appends = ofType(to(out, 2), MessageType.APPEND);
        assertThat(appends).hasSize(3).allSatisfy(m -> assertThat(m.entries()).hasSize(1));
        assertThat(leader.core.progress().get(2L).inflights().count()).isEqualTo(3);
        // acknowledging the first frees one slot: exactly one more message
        long term = leader.status().term();
        leader.core.step(msg(MessageType.APPEND_RESPONSE, 2, 1, term)
                .withLog(0, appends.get(0).entries().get(0).index()));
        assertThat(ofType(to(drain(leader), 2), MessageType.APPEND)).hasSize(1);
        assertThat(leader.core.progress().get(2L).inflights().count()).isEqualTo(3);
    }

    @Test
    void inflightBytesNeverExceedTheCap() {
        long cap = 3 * (100 + Entry.OVERHEAD_BYTES);
        RaftConfig cfg = TestCluster.testConfig().withFlowControl(1 << 20, 100, cap);
        TestCluster c = new TestCluster(cfg, 1L, 2L, 3L);
        TestNode leader = c.elect(1);
        for (int i = 0; i < 10; i++) {
            leader.core.propose(new byte[100]);
            drain(leader);
            Progress pr = leader.core.progress().get(2L);
            assertThat(pr.inflights().bytes()).isLessThanOrEqualTo(cap);
        }
        assertThat(leader.core.progress().get(2L).next() - 1)
                .isLessThan(leader.status().lastIndex());
        // those messages were never delivered; after a heartbeat the window recovers and everything flows
        c.tickAll(3);
        assertThat(c.node(2).status().commitIndex()).isEqualTo(leader.status().lastIndex());
    }

    @Test
    void aWindowWhoseMessagesWereAllLostRecoversAfterAHeartbeat() {
        RaftConfig cfg = TestCluster.testConfig().withFlowControl(1, 2, 1 << 20);
        TestCluster c = new TestCluster(cfg, 1L, 2L, 3L);
        TestNode leader = c.elect(1);
        c.dropIf = m -> m.type() == MessageType.APPEND && m.to() == 2;
        for (int i = 0; i < 5; i++) {
            leader.core.propose(new byte[] {(byte) i});
        }
        c.stabilize();
        assertThat(c.node(2).status().lastIndex()).isLessThan(leader.status().lastIndex());
        c.heal();
        c.tickAll(3);
        assertThat(c.node(2).status().lastIndex()).isEqualTo(leader.status().lastIndex());
        assertThat(c.node(2).appliedData()).hasSize(5);
    }

    @Test
    void uncommittedBytesLimitRejectsProposalsUntilEntriesCommit() {
        RaftConfig cfg = TestCluster.testConfig().withProposalLimits(1000, 256);
        TestCluster c = new TestCluster(cfg, 1L, 2L, 3L);
        TestNode leader = c.elect(1);
        c.isolate(1);
        int accepted = 0;
        ProposeResult last = null;
        for (int i = 0; i < 20; i++) {
            last = leader.core.propose(new byte[200]);
            if (last instanceof ProposeResult.Proposed) {
                accepted++;
            }
        }
        assertThat(accepted).isEqualTo(4); // 4 x 224 bytes fit in 1000
        assertThat(last).isEqualTo(new Rejection(RejectReason.UNCOMMITTED_LIMIT, 1));
        assertThat(leader.core.propose(new byte[300])).isEqualTo(new Rejection(RejectReason.ENTRY_TOO_LARGE, 1));
        c.heal();
        c.stabilize();
        c.tickAll(2);
        assertThat(leader.core.propose(new byte[200])).isInstanceOf(ProposeResult.Proposed.class);
    }

    @Test
    void heartbeatsNeverCarryACommitBeyondWhatTheFollowerHolds() {
        TestCluster c = new TestCluster(TestCluster.testConfig(), 1L, 2L, 3L);
        TestNode leader = c.elect(1);
        c.isolate(3);
        leader.core.propose(new byte[] {1});
        c.stabilize();
        leader.core.tick();
        List<Message> hb = ofType(to(drain(leader), 3), MessageType.HEARTBEAT);
        assertThat(hb).hasSize(1);
        assertThat(hb.get(0).commit()).isEqualTo(leader.core.progress().get(3L).match());
        assertThat(hb.get(0).commit()).isLessThan(leader.status().commitIndex());
    }
}
