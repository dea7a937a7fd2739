package io.armada.raft.core;

import io.armada.raft.ConfState;
import io.armada.raft.Entry;
import io.armada.raft.EntryType;
import io.armada.raft.HardState;
import io.armada.raft.Message;
import io.armada.raft.MessageType;
import io.armada.raft.RaftConfig;
import io.armada.raft.RaftRole;
import io.armada.raft.Ready;
import java.util.ArrayList;
import java.util.List;

/** Builders for single cores with hand-made logs, and message helpers for exact assertions. */
final class Fixtures {
    static final long G = TestCluster.GROUP;

    private Fixtures() {}

    /**
     * A node whose stored log has one NORMAL entry per term given (index 1..n), members
     * {@code voters}, current term {@code term} and commit {@code commit}; its first Ready is handled.
     */
    static TestNode nodeWithLog(long id, List<Long> voters, long term, long commit, long... terms) {
        return nodeWithLog(id, voters, RaftConfigs.exact(), term, commit, terms);
    }

    static TestNode nodeWithLog(long id, List<Long> voters, RaftConfig config, long term, long commit, long... terms) {
        MemoryStorage s = new MemoryStorage();
        for (int i = 0; i < terms.length; i++) {
            s.entries.add(new Entry(terms[i], i + 1, EntryType.NORMAL, new byte[] {(byte) i}));
        }
        s.hardState = new HardState(term, 0, commit);
        s.confState = ConfState.of(voters, List.of());
        TestNode n = new TestNode(id, G, config, s, id);
        while (n.core.hasReady()) {
            n.handleReady();
        }
        return n;
    }

    /** Makes {@code n} leader of the next term(s) by feeding it granted (pre-)votes from {@code voters}. */
    static void makeLeader(TestNode n, long... grantingVoters) {
        n.core.campaign();
        drain(n);
        if (n.status().role() == RaftRole.PRE_CANDIDATE) {
            for (long v : grantingVoters) {
                n.core.step(Message.of(
                        MessageType.PRE_VOTE_RESPONSE, G, v, n.id, n.status().term() + 1));
            }
            drain(n);
        }
        for (long v : grantingVoters) {
            if (n.status().role() == RaftRole.CANDIDATE) {
                n.core.step(Message.of(
                        MessageType.VOTE_RESPONSE, G, v, n.id, n.status().term()));
            }
        }
        if (n.status().role() != RaftRole.LEADER) {
            throw new AssertionError("not leader: " + n.status());
        }
    }

    /** Handles every pending Ready and returns all their messages. */
    static List<Message> drain(TestNode n) {
        List<Message> out = new ArrayList<>();
        while (n.core.hasReady()) {
            Ready rd = n.handleReady();
            out.addAll(rd.allMessages());
        }
        return out;
    }

    static List<Message> to(List<Message> msgs, long to) {
        return msgs.stream().filter(m -> m.to() == to).toList();
    }

    static List<Message> ofType(List<Message> msgs, MessageType type) {
        return msgs.stream().filter(m -> m.type() == type).toList();
    }

    static Message msg(MessageType type, long from, long to, long term) {
        return Message.of(type, G, from, to, term);
    }
}
