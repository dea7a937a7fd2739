package io.armada.raft.core;

import static io.armada.raft.core.Fixtures.drain;
import static io.armada.raft.core.Fixtures.msg;
import static org.assertj.core.api.Assertions.assertThat;

import io.armada.raft.ConfChange;
import io.armada.raft.ConfChange.ConfChangeType;
import io.armada.raft.ConfState;
import io.armada.raft.Message;
import io.armada.raft.MessageType;
import io.armada.raft.ProposeResult;
import io.armada.raft.RaftConfig;
import io.armada.raft.RaftRole;
import io.armada.raft.Ready;
import io.armada.raft.SnapshotChunk;
import io.armada.raft.SnapshotMeta;
import io.armada.raft.core.tracker.ProgressState;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class SnapshotTest {
    private static final RaftConfig CHUNKED = TestCluster.testConfig().withSnapshotChunks(100, 2);

    /** Leader 1 commits 10 entries while 3 is cut off, then snapshots 1050 bytes and compacts its log. */
    private static TestCluster clusterWithCompactedLeader() {
        TestCluster c = new TestCluster(CHUNKED, 1L, 2L, 3L);
        TestNode leader = c.elect(1);
        c.isolate(3);
        for (int i = 0; i < 10; i++) {
            leader.core.propose(new byte[] {(byte) i});
        }
        c.stabilize();
        long applied = leader.status().appliedIndex();
        byte[] data = new byte[1050];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31);
        }
        leader.storage.snapshotAndCompact(applied, leader.status().confState(), data, applied);
        return c;
    }

    @Test
    void laggingFollowerReceivesTheSnapshotInChunksInstallsItAndCatchesUp() {
        TestCluster c = clusterWithCompactedLeader();
        TestNode leader = c.node(1);
        long snapIndex = leader.storage.snapshot().index();
        c.heal();
        c.tickAll(3);

        List<Message> chunks = c.delivered.stream()
                .filter(m -> m.type() == MessageType.SNAPSHOT)
                .toList();
        assertThat(chunks).hasSize(11);
        long expectedOffset = 0;
        for (Message m : chunks) {
            assertThat(m.snapshot().offset()).isEqualTo(expectedOffset);
            assertThat(m.snapshot().data().length).isLessThanOrEqualTo(100);
            expectedOffset = m.snapshot().end();
        }
        assertThat(chunks.get(10).snapshot().last()).isTrue();
        // never more than maxInflightSnapshotChunks (2) unacknowledged: no leader Ready sent more
        for (Ready rd : leader.readies) {
            assertThat(rd.allMessages().stream()
                            .filter(m -> m.type() == MessageType.SNAPSHOT)
                            .count())
                    .isLessThanOrEqualTo(2);
        }
        TestNode f = c.node(3);
        assertThat(f.storage.snapshotData).isEqualTo(leader.storage.snapshotData);
        assertThat(f.storage.snapshot()).isEqualTo(leader.storage.snapshot());
        assertThat(f.storage.firstIndex()).isEqualTo(snapIndex + 1);
        assertThat(f.status().appliedIndex()).isEqualTo(snapIndex);
        assertThat(f.status().confState())
                .isEqualTo(leader.storage.snapshot().confState())
                .isEqualTo(ConfState.ofVoters(1L, 2L, 3L));

        leader.core.propose(new byte[] {77});
        c.stabilize();
        assertThat(f.status().appliedIndex()).isEqualTo(leader.status().appliedIndex());
        assertThat(f.appliedData()).containsExactly(new byte[] {77});
    }

    @Test
    void aLostChunkIsResentFromTheGapTheFollowerReports() {
        TestCluster c = clusterWithCompactedLeader();
        c.heal();
        AtomicBoolean dropped = new AtomicBoolean();
        c.dropIf = m -> m.type() == MessageType.SNAPSHOT && m.snapshot().offset() == 200 && !dropped.getAndSet(true);
        c.tickAll(1);
        c.stabilize();
        assertThat(dropped).isTrue();
        assertThat(c.delivered)
                .anyMatch(m -> m.type() == MessageType.SNAPSHOT_RESPONSE && m.context() == Message.SNAPSHOT_GAP);
        assertThat(c.node(3).storage.snapshotData).isEqualTo(c.node(1).storage.snapshotData);
    }

    @Test
    void aSilentWindowIsResentAfterAnElectionTimeout() {
        TestCluster c = clusterWithCompactedLeader();
        c.heal();
        c.dropIf = m -> m.type() == MessageType.SNAPSHOT_RESPONSE;
        c.tickAll(2);
        assertThat(c.node(3).storage.snapshot().isEmpty()).isTrue();
        c.dropIf = m -> false;
        c.tickAll(12);
        assertThat(c.node(3).storage.snapshotData).isEqualTo(c.node(1).storage.snapshotData);
        assertThat(c.node(3).status().commitIndex())
                .isEqualTo(c.node(1).status().commitIndex());
    }

    @Test
    void aSnapshotTheFollowerAlreadyCoversIsAnsweredWithItsCommitIndex() {
        TestNode f = Fixtures.nodeWithLog(2, List.of(1L, 2L, 3L), 2, 5, 1, 1, 2, 2, 2);
        SnapshotMeta meta = new SnapshotMeta(3, 2, ConfState.ofVoters(1L, 2L, 3L));
        f.core.step(msg(MessageType.SNAPSHOT, 1, 2, 2).withSnapshot(new SnapshotChunk(meta, 0, new byte[10], false)));
        Ready rd = f.handleReady();
        assertThat(rd.snapshotChunks()).isEmpty();
        assertThat(rd.allMessages())
                .containsExactly(msg(MessageType.APPEND_RESPONSE, 2, 1, 2).withLog(0, 5));
    }

    @Test
    void aSnapshotMatchingTheFollowersLogOnlyAdvancesItsCommit() {
        TestNode f = Fixtures.nodeWithLog(2, List.of(1L, 2L, 3L), 2, 1, 1, 1, 2, 2, 2);
        SnapshotMeta meta = new SnapshotMeta(4, 2, ConfState.ofVoters(1L, 2L, 3L));
        f.core.step(msg(MessageType.SNAPSHOT, 1, 2, 2).withSnapshot(new SnapshotChunk(meta, 0, new byte[10], false)));
        Ready rd = f.handleReady();
        assertThat(rd.snapshot()).isNull();
        assertThat(f.status().commitIndex()).isEqualTo(4);
        assertThat(rd.allMessages())
                .containsExactly(msg(MessageType.APPEND_RESPONSE, 2, 1, 2).withLog(0, 4));
    }

    @Test
    void chunksAreStagedInOrderAndTheLastOneCompletesTheInstall() {
        TestNode f = Fixtures.nodeWithLog(2, List.of(1L, 2L, 3L), 2, 1, 1);
        SnapshotMeta meta = new SnapshotMeta(9, 2, ConfState.ofVoters(1L, 2L, 3L));
        SnapshotChunk first = new SnapshotChunk(meta, 0, new byte[] {1, 2}, false);
        SnapshotChunk second = new SnapshotChunk(meta, 2, new byte[] {3}, true);
        // a chunk ahead of the expected offset: a gap is reported, nothing staged
        f.core.step(msg(MessageType.SNAPSHOT, 1, 2, 2).withSnapshot(first));
        f.core.step(msg(MessageType.SNAPSHOT, 1, 2, 2).withSnapshot(new SnapshotChunk(meta, 5, new byte[] {9}, false)));
        Ready rd = f.handleReady();
        assertThat(rd.snapshotChunks()).containsExactly(first);
        assertThat(rd.allMessages())
                .containsExactly(
                        msg(MessageType.SNAPSHOT_RESPONSE, 2, 1, 2)
                                .withSnapshot(new SnapshotChunk(meta, 2, null, false)),
                        msg(MessageType.SNAPSHOT_RESPONSE, 2, 1, 2)
                                .withSnapshot(new SnapshotChunk(meta, 2, null, false))
                                .withContext(Message.SNAPSHOT_GAP));
        // a duplicate is acknowledged again, not staged twice
        f.core.step(msg(MessageType.SNAPSHOT, 1, 2, 2).withSnapshot(first));
        f.core.step(msg(MessageType.SNAPSHOT, 1, 2, 2).withSnapshot(second));
        rd = f.handleReady();
        assertThat(rd.snapshotChunks()).containsExactly(second);
        assertThat(rd.snapshot()).isEqualTo(meta);
        assertThat(rd.mustSync()).isTrue();
        assertThat(rd.allMessages())
                .endsWith(msg(MessageType.APPEND_RESPONSE, 2, 1, 2).withLog(0, 9));
        assertThat(f.storage.snapshotData).containsExactly(1, 2, 3);
        assertThat(f.status().appliedIndex()).isEqualTo(9);
        assertThat(f.status().commitIndex()).isEqualTo(9);
    }

    @Test
    void aChunkOfAnUnknownTransferIsRejectedSoTheLeaderStartsOver() {
        TestNode f = Fixtures.nodeWithLog(2, List.of(1L, 2L, 3L), 2, 1, 1);
        SnapshotMeta meta = new SnapshotMeta(9, 2, ConfState.ofVoters(1L, 2L, 3L));
        f.core.step(
                msg(MessageType.SNAPSHOT, 1, 2, 2).withSnapshot(new SnapshotChunk(meta, 100, new byte[] {1}, false)));
        assertThat(drain(f))
                .containsExactly(msg(MessageType.SNAPSHOT_RESPONSE, 2, 1, 2)
                        .withSnapshot(new SnapshotChunk(meta, 0, null, false))
                        .withReject(0));
    }

    @Test
    void aLateDuplicateOfTheFirstChunkDoesNotRestartTheTransfer() {
        TestNode f = Fixtures.nodeWithLog(2, List.of(1L, 2L, 3L), 2, 1, 1);
        SnapshotMeta meta = new SnapshotMeta(9, 2, ConfState.ofVoters(1L, 2L, 3L));
        SnapshotChunk first = new SnapshotChunk(meta, 0, new byte[] {1, 2}, false);
        SnapshotChunk second = new SnapshotChunk(meta, 2, new byte[] {3, 4}, false);
        SnapshotChunk third = new SnapshotChunk(meta, 4, new byte[] {5}, true);
        long pass = 7;
        f.core.step(msg(MessageType.SNAPSHOT, 1, 2, 2).withLog(0, pass).withSnapshot(first));
        f.core.step(msg(MessageType.SNAPSHOT, 1, 2, 2).withLog(0, pass).withSnapshot(second));
        drain(f);
        // the network delivers chunk 0 of the same pass again: it is behind, so only acknowledged
        f.core.step(msg(MessageType.SNAPSHOT, 1, 2, 2).withLog(0, pass).withSnapshot(first));
        Ready rd = f.handleReady();
        assertThat(rd.snapshotChunks()).isEmpty();
        assertThat(rd.allMessages())
                .containsExactly(msg(MessageType.SNAPSHOT_RESPONSE, 2, 1, 2)
                        .withLog(0, pass)
                        .withSnapshot(new SnapshotChunk(meta, 4, null, false)));
        f.core.step(msg(MessageType.SNAPSHOT, 1, 2, 2).withLog(0, pass).withSnapshot(third));
        drain(f);
        assertThat(f.storage.snapshotData).containsExactly(1, 2, 3, 4, 5);
        assertThat(f.status().appliedIndex()).isEqualTo(9);
    }

    @Test
    void aFirstChunkOfANewerPassRestartsTheTransfer() {
        TestNode f = Fixtures.nodeWithLog(2, List.of(1L, 2L, 3L), 2, 1, 1);
        SnapshotMeta meta = new SnapshotMeta(9, 2, ConfState.ofVoters(1L, 2L, 3L));
        SnapshotChunk first = new SnapshotChunk(meta, 0, new byte[] {1, 2}, false);
        f.core.step(msg(MessageType.SNAPSHOT, 1, 2, 2)
                .withLog(0, 1)
                .withContext(Message.SNAPSHOT_NEW_TRANSFER)
                .withSnapshot(first));
        drain(f);
        // a rewind to byte 0 (pass 2, not a new transfer) keeps what was received
        f.core.step(msg(MessageType.SNAPSHOT, 1, 2, 2).withLog(0, 2).withSnapshot(first));
        Ready rd = f.handleReady();
        assertThat(rd.snapshotChunks()).isEmpty();
        // the leader started a new transfer (after a rejection it believed): the receive starts over
        SnapshotChunk restart = new SnapshotChunk(meta, 0, new byte[] {1, 2}, false);
        f.core.step(msg(MessageType.SNAPSHOT, 1, 2, 2)
                .withLog(0, 3)
                .withContext(Message.SNAPSHOT_NEW_TRANSFER)
                .withSnapshot(restart));
        rd = f.handleReady();
        assertThat(rd.snapshotChunks()).containsExactly(restart);
        assertThat(rd.allMessages())
                .containsExactly(msg(MessageType.SNAPSHOT_RESPONSE, 2, 1, 2)
                        .withLog(0, 3)
                        .withSnapshot(new SnapshotChunk(meta, 2, null, false)));
    }

    /**
     * While 3 and 4 are cut off, 4 joins as a learner and 3 is demoted to one; then the leader compacts.
     * Both catch up by snapshot and must take its membership, though 3 knew another (three voters) and
     * 4 none at all: a snapshot replaces the configuration with the log (Raft thesis §5.3).
     */
    @Test
    void afterASnapshotInstallTheMembershipIsTheSnapshotsThoughTheNodeKnewAnother() {
        TestCluster c = new TestCluster(CHUNKED, 1L, 2L, 3L);
        c.addEmptyNode(4);
        TestNode leader = c.elect(1);
        c.isolate(3);
        c.isolate(4);
        assertThat(leader.core.proposeConfChange(new ConfChange(ConfChangeType.ADD_LEARNER, 4)))
                .isInstanceOf(ProposeResult.Proposed.class);
        c.stabilize();
        assertThat(leader.core.proposeConfChange(new ConfChange(ConfChangeType.ADD_LEARNER, 3)))
                .isInstanceOf(ProposeResult.Proposed.class);
        c.stabilize();
        leader.core.propose(new byte[] {5});
        c.stabilize();
        ConfState expected = ConfState.of(List.of(1L, 2L), List.of(3L, 4L));
        assertThat(leader.status().confState()).isEqualTo(expected);
        leader.storage.snapshotAndCompact(
                leader.status().appliedIndex(),
                leader.status().confState(),
                new byte[300],
                leader.status().appliedIndex());
        SnapshotMeta snap = leader.storage.snapshot();
        TestNode demoted = c.node(3);
        TestNode added = c.node(4);
        assertThat(demoted.status().confState()).isEqualTo(ConfState.ofVoters(1L, 2L, 3L));
        assertThat(added.status().confState()).isEqualTo(ConfState.EMPTY);

        c.heal();
        c.tickAll(3);
        for (TestNode n : List.of(demoted, added)) {
            assertThat(n.storage.snapshot())
                    .as("node " + n.id + " installed the snapshot")
                    .isEqualTo(snap);
            assertThat(n.status().appliedIndex()).isEqualTo(snap.index());
            assertThat(n.status().confState())
                    .as("node " + n.id)
                    .isEqualTo(snap.confState())
                    .isEqualTo(expected);
            assertThat(n.storage.confState).as("node " + n.id + " persisted it").isEqualTo(expected);
        }

        // the demoted node acts on it: cut off, it never campaigns as it did when it was a voter
        c.isolate(3);
        long term = demoted.status().term();
        c.tick(3, 10 * c.config.electionTicks());
        assertThat(drain(demoted)).isEmpty();
        assertThat(demoted.status().role()).isEqualTo(RaftRole.FOLLOWER);
        assertThat(demoted.status().term()).isEqualTo(term);

        // and a restart from what it persisted comes back with the snapshot's membership
        demoted.core = new RaftCore(
                demoted.groupId,
                3,
                demoted.config,
                demoted.storage,
                demoted.storage,
                snap.index(),
                new java.util.SplittableRandom(3));
        assertThat(demoted.status().confState()).isEqualTo(expected);
    }

    @Test
    void aSnapshotInstalledFromASingleChunkCarriesItsMembershipIntoTheStatusAndTheReady() {
        TestNode f = Fixtures.nodeWithLog(2, List.of(1L, 2L, 3L), 2, 1, 1);
        ConfState conf = ConfState.of(List.of(1L, 3L, 4L), List.of(2L, 5L));
        SnapshotMeta meta = new SnapshotMeta(9, 2, conf);
        f.core.step(msg(MessageType.SNAPSHOT, 1, 2, 2).withSnapshot(new SnapshotChunk(meta, 0, new byte[] {1}, true)));
        Ready rd = f.handleReady();
        assertThat(rd.snapshot()).isEqualTo(meta);
        assertThat(rd.confState()).as("the membership to persist").isEqualTo(conf);
        assertThat(f.status().confState()).isEqualTo(conf);
        assertThat(f.status().appliedIndex()).isEqualTo(9);
    }
    /** The leader streaming its snapshot to 3, every chunk captured instead of delivered; returns the chunks. */
    private static List<Message> streamToThreeCapturingChunks(TestCluster c) {
        List<Message> chunks = new ArrayList<>();
        c.heal();
        c.dropIf = m -> {
            if (m.type() == MessageType.SNAPSHOT) {
                chunks.add(m);
                return true;
            }
            return false;
        };
        c.tickAll(1);
        assertThat(chunks).hasSize(2);
        assertThat(c.node(1).core.progress().get(3L).state()).isEqualTo(ProgressState.SNAPSHOT);
        return chunks;
    }

    private static Message rejection(Message chunk, long pass) {
        return msg(MessageType.SNAPSHOT_RESPONSE, 3, 1, chunk.term())
                .withLog(0, pass)
                .withSnapshot(new SnapshotChunk(chunk.snapshot().meta(), 0, null, false))
                .withReject(0);
    }

    @Test
    void aRejectedTransferFallsBackToProbingAndWaitsForTheNextHeartbeatResponse() {
        TestCluster c = clusterWithCompactedLeader();
        List<Message> chunks = streamToThreeCapturingChunks(c);
        TestNode leader = c.node(1);
        leader.core.step(rejection(chunks.get(0), chunks.get(0).index()));
        assertThat(leader.core.progress().get(3L).state()).isEqualTo(ProgressState.PROBE);
        assertThat(leader.core.progress().get(3L).paused())
                .as("no probe until the follower is heard from again")
                .isTrue();
        assertThat(Fixtures.to(drain(leader), 3)).isEmpty();
        leader.core.step(msg(MessageType.HEARTBEAT_RESPONSE, 3, 1, chunks.get(0).term()));
        List<Message> out = Fixtures.to(drain(leader), 3);
        assertThat(out).isNotEmpty().allSatisfy(m -> assertThat(m.type()).isEqualTo(MessageType.SNAPSHOT));
        assertThat(out.get(0).snapshot().offset()).isZero();
        assertThat(out.get(0).context()).as("a new transfer starts").isEqualTo(Message.SNAPSHOT_NEW_TRANSFER);
        assertThat(out.get(0).index()).isGreaterThan(chunks.get(0).index());
    }

    @Test
    void aRejectionOfAnEarlierTransferIsIgnored() {
        TestCluster c = clusterWithCompactedLeader();
        List<Message> chunks = streamToThreeCapturingChunks(c);
        TestNode leader = c.node(1);
        leader.core.step(rejection(chunks.get(0), chunks.get(0).index() - 1));
        assertThat(leader.core.progress().get(3L).state()).isEqualTo(ProgressState.SNAPSHOT);
        leader.core.step(rejection(chunks.get(0), chunks.get(0).index() + 1));
        assertThat(leader.core.progress().get(3L).state())
                .as("nor one of a pass not started")
                .isEqualTo(ProgressState.SNAPSHOT);
    }
}
