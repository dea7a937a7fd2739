package io.armada.raft.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.armada.raft.Message;
import io.armada.raft.RaftConfig;
import io.armada.raft.RaftRole;
import io.armada.raft.Ready;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Drives a few cores synchronously: every Ready is persisted and applied at once, and messages
 * are delivered in order until nothing moves. Links can be cut and messages filtered.
 */
final class TestCluster {
    static final long GROUP = 7;
    final RaftConfig config;
    final Map<Long, TestNode> nodes = new TreeMap<>();
    private final Set<List<Long>> cut = new HashSet<>();
    /** Delivered messages, in order, for assertions. */
    final List<Message> delivered = new ArrayList<>();
    /** Drops a message when it returns true. */
    Predicate<Message> dropIf = m -> false;

    TestCluster(RaftConfig config, Long... ids) {
        this.config = config;
        for (long id : ids) {
            nodes.put(id, new TestNode(id, GROUP, config, MemoryStorage.bootstrap(List.of(ids)), id));
        }
        stabilize(); // hands out (applies) the bootstrap entries: a node campaigns only once they are applied
    }

    static RaftConfig testConfig() {
        return RaftConfig.defaults().withTicks(10, 1);
    }

    TestNode node(long id) {
        return nodes.get(id);
    }

    /** Adds a node that is not (yet) a member: empty log, empty membership. */
    TestNode addEmptyNode(long id) {
        TestNode n = new TestNode(id, GROUP, config, new MemoryStorage(), id);
        nodes.put(id, n);
        return n;
    }

    void cut(long a, long b) {
        cut.add(List.of(a, b));
        cut.add(List.of(b, a));
    }

    void isolate(long id) {
        for (long other : nodes.keySet()) {
            if (other != id) {
                cut(id, other);
            }
        }
    }

    void heal() {
        cut.clear();
        dropIf = m -> false;
    }

    /** Processes Readys and delivers messages until the cluster is quiet. */
    void stabilize() {
        for (int round = 0; round < 10_000; round++) {
            List<Message> out = new ArrayList<>();
            for (TestNode n : nodes.values()) {
                while (n.core.hasReady()) {
                    Ready rd = n.handleReady();
                    out.addAll(rd.allMessages());
                }
            }
            if (out.isEmpty()) {
                return;
            }
            deliver(out);
        }
        throw new AssertionError("cluster did not stabilize");
    }

    void deliver(List<Message> out) {
        for (Message m : out) {
            if (cut.contains(List.of(m.from(), m.to())) || dropIf.test(m)) {
                continue;
            }
            TestNode to = nodes.get(m.to());
            if (to != null) {
                delivered.add(m);
                to.core.step(m);
            }
        }
    }

    void tick(long id, int times) {
        for (int i = 0; i < times; i++) {
            nodes.get(id).core.tick();
        }
    }

    /** Ticks every node once and stabilizes, {@code times} times. */
    void tickAll(int times) {
        for (int i = 0; i < times; i++) {
            for (TestNode n : nodes.values()) {
                n.core.tick();
            }
            stabilize();
        }
    }

    TestNode elect(long id) {
        nodes.get(id).core.campaign();
        stabilize();
        assertThat(nodes.get(id).status().role()).isEqualTo(RaftRole.LEADER);
        return nodes.get(id);
    }

    long leaderCount() {
        return nodes.values().stream()
                .filter(n -> n.status().role() == RaftRole.LEADER)
                .count();
    }
}
