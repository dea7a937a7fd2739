package io.armada.raft.sim;

import io.armada.raft.Message;
import io.armada.raft.MessageCodec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * A simulated network: every message is encoded, delayed by a random number of time units
 * (so messages reorder), sometimes dropped or duplicated, and cut by partitions between nodes or
 * between the replicas of one group.
 */
final class SimNetwork {
    record InFlight(long deliverAt, long seq, long from, long to, long groupId, byte[] bytes) {}

    private final SplittableRandom random;
    private final PriorityQueue<InFlight> queue = new PriorityQueue<>(
            (a, b) -> a.deliverAt != b.deliverAt ? Long.compare(a.deliverAt, b.deliverAt) : Long.compare(a.seq, b.seq));
    private final Set<List<Long>> cutNodes = new HashSet<>();
    private final Set<List<Long>> cutGroupLinks = new HashSet<>();
    /** Far above what any healthy run keeps in flight; beyond it the cluster amplifies messages. */
    static final int MAX_IN_FLIGHT = 100_000;

    private long seq;
    int maxDelay = 20;
    double dropRate;
    double duplicateRate;
    long sent;
    long dropped;

    SimNetwork(SplittableRandom random) {
        this.random = random;
    }

    void send(long now, Message m) {
        sent++;
        if (isCut(m.from(), m.to(), m.groupId()) || random.nextDouble() < dropRate) {
            dropped++;
            return;
        }
        byte[] bytes = MessageCodec.encode(m);
        enqueue(now, m, bytes);
        if (random.nextDouble() < duplicateRate) {
            enqueue(now, m, bytes);
        }
    }

    private void enqueue(long now, Message m, byte[] bytes) {
        if (queue.size() >= MAX_IN_FLIGHT) {
            throw new AssertionError(
                    "message storm: " + queue.size() + " messages in flight; by type: " + inFlightByType());
        }
        queue.add(new InFlight(now + 1 + random.nextInt(maxDelay), seq++, m.from(), m.to(), m.groupId(), bytes));
    }

    /** Messages due at {@code now}, in delivery order; a partition made meanwhile also cuts them. */
    List<Message> due(long now) {
        List<Message> out = new ArrayList<>();
        while (!queue.isEmpty() && queue.peek().deliverAt() <= now) {
            InFlight f = queue.poll();
            if (isCut(f.from(), f.to(), f.groupId())) {
                dropped++;
                continue;
            }
            out.add(MessageCodec.decode(f.bytes()));
        }
        return out;
    }

    boolean isCut(long from, long to, long groupId) {
        return cutNodes.contains(List.of(from, to)) || cutGroupLinks.contains(List.of(groupId, from, to));
    }

    void cut(long a, long b) {
        cutNodes.add(List.of(a, b));
        cutNodes.add(List.of(b, a));
    }

    void cutGroup(long groupId, long a, long b) {
        cutGroupLinks.add(List.of(groupId, a, b));
        cutGroupLinks.add(List.of(groupId, b, a));
    }

    void healAll() {
        cutNodes.clear();
        cutGroupLinks.clear();
    }

    private Map<String, Integer> inFlightByType() {
        Map<String, Integer> byType = new TreeMap<>();
        for (InFlight f : queue) {
            Message m = MessageCodec.decode(f.bytes());
            byType.merge(m.type() + " " + m.from() + "->" + m.to() + " g" + m.groupId(), 1, Integer::sum);
        }
        return byType;
    }

    int pending() {
        return queue.size();
    }
}
