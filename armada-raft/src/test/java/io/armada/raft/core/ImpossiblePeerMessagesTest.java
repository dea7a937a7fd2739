package io.armada.raft.core;

import static io.armada.raft.core.Fixtures.drain;
import static io.armada.raft.core.Fixtures.msg;
import static org.assertj.core.api.Assertions.assertThat;

import io.armada.raft.ConfState;
import io.armada.raft.Entry;
import io.armada.raft.EntryType;
import io.armada.raft.MessageType;
import io.armada.raft.RaftRole;
import io.armada.raft.SnapshotChunk;
import io.armada.raft.SnapshotMeta;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 14 finding 7: a message no correct member could send (a node of another cluster, a lost
 * log) is dropped - never allowed to break an invariant, which would stop the node - and the group
 * goes on with its real peers.
 */
class ImpossiblePeerMessagesTest {
    private static final List<Long> VOTERS = List.of(1L, 2L, 3L);

    /** Node 2, follower in term 2, three entries of term 1, commit 1. */
    private static TestNode follower() {
        return Fixtures.nodeWithLog(2, VOTERS, 2, 1, 1, 1, 1);
    }

    @Test
    void aHeartbeatCommittingBeyondTheLogIsDroppedAndTheRealLeaderGoesOn() {
        TestNode f = follower();
        f.core.step(msg(MessageType.HEARTBEAT, 1, 2, 2).withCommit(10));
        assertThat(drain(f)).isEmpty();
        assertThat(f.status().commitIndex()).isEqualTo(1);

        f.core.step(msg(MessageType.HEARTBEAT, 1, 2, 2).withCommit(3));
        assertThat(drain(f)).containsExactly(msg(MessageType.HEARTBEAT_RESPONSE, 2, 1, 2));
        assertThat(f.status().commitIndex()).isEqualTo(3);
    }

    @Test
    void appendsWhoseEntriesCannotBeAreDropped() {
        TestNode f = follower();
        byte[] data = {7};
        // an entry of a term after the leader's own
        f.core.step(msg(MessageType.APPEND, 1, 2, 2)
                .withLog(1, 3)
                .withEntries(List.of(new Entry(5, 4, EntryType.NORMAL, data)))
                .withCommit(4));
        // a previous entry of a term after the leader's own
        f.core.step(msg(MessageType.APPEND, 1, 2, 2)
                .withLog(3, 3)
                .withEntries(List.of(new Entry(2, 4, EntryType.NORMAL, data)))
                .withCommit(4));
        // entries that skip an index
        f.core.step(msg(MessageType.APPEND, 1, 2, 2)
                .withLog(1, 3)
                .withEntries(List.of(new Entry(2, 5, EntryType.NORMAL, data)))
                .withCommit(4));
        assertThat(drain(f)).isEmpty();
        assertThat(f.status().lastIndex()).isEqualTo(3);
        assertThat(f.status().commitIndex()).isEqualTo(1);

        f.core.step(msg(MessageType.APPEND, 1, 2, 2)
                .withLog(1, 3)
                .withEntries(List.of(new Entry(2, 4, EntryType.NORMAL, data)))
                .withCommit(4));
        assertThat(drain(f))
                .containsExactly(msg(MessageType.APPEND_RESPONSE, 2, 1, 2).withLog(0, 4));
        assertThat(f.status().commitIndex()).isEqualTo(4);
    }

    @Test
    void aSnapshotOfALaterTermThanItsSenderIsDropped() {
        TestNode f = follower();
        SnapshotMeta future = new SnapshotMeta(10, 5, ConfState.ofVoters(1L, 2L, 3L));
        f.core.step(msg(MessageType.SNAPSHOT, 1, 2, 2)
                .withLog(0, 1)
                .withSnapshot(new SnapshotChunk(future, 0, new byte[] {1}, true)));
        assertThat(drain(f)).isEmpty();
        assertThat(f.status().lastIndex()).isEqualTo(3);
    }

    @Test
    void aLeaderIgnoresASecondLeaderOfItsTermAndAcknowledgementsBeyondItsLog() {
        TestNode leader = Fixtures.nodeWithLog(1, VOTERS, 1, 1, 1);
        Fixtures.makeLeader(leader, 2, 3);
        drain(leader);
        long term = leader.status().term();
        long last = leader.status().lastIndex();

        leader.core.step(msg(MessageType.APPEND, 2, 1, term).withLog(1, 1).withCommit(1));
        leader.core.step(msg(MessageType.HEARTBEAT, 2, 1, term).withCommit(1));
        leader.core.step(msg(MessageType.APPEND_RESPONSE, 2, 1, term).withLog(0, last + 100));
        assertThat(drain(leader)).isEmpty();
        assertThat(leader.status().role()).isEqualTo(RaftRole.LEADER);
        assertThat(leader.status().commitIndex()).isLessThan(last);

        // node 2's real acknowledgement commits the leader's entry as usual
        leader.core.step(msg(MessageType.APPEND_RESPONSE, 2, 1, term).withLog(0, last));
        drain(leader);
        assertThat(leader.status().commitIndex()).isEqualTo(last);
    }
}
