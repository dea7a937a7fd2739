package io.armada.testkit.verify;

import io.armada.server.process.NodeProcess;
import java.io.IOException;
import java.util.List;
import java.util.Random;

/**
 * A named fault, injected again and again during a run and healed after {@link #holdMillis}: the
 * killed nodes restart, the paused ones resume. Every scenario also creates and deletes tables
 * and compacts Raft logs (snapshots every few hundred entries) while it runs.
 */
public enum Scenario {
    /** kill -9 of the Raft leader of a workload table. */
    KILL_LEADER("kill-leader", false, 2_000) {
        @Override
        String inject(LocalTopology t, Random random) throws InterruptedException {
            NodeProcess victim = t.leaderOf(randomTable(random)).orElse(t.leaders().get(random.nextInt(3)));
            victim.kill();
            return "killed leader-cluster node " + victim.id();
        }
    },
    /** kill -9 of any one node of the leader cluster. */
    KILL_NODE("kill-node", false, 2_000) {
        @Override
        String inject(LocalTopology t, Random random) throws InterruptedException {
            NodeProcess victim = t.leaders().get(random.nextInt(3));
            victim.kill();
            return "killed leader-cluster node " + victim.id();
        }
    },
    /** SIGSTOP of a table's Raft leader for three election timeouts, then SIGCONT: a leader that wakes up deposed. */
    PAUSE_LEADER("pause-leader", false, 1_500) {
        @Override
        String inject(LocalTopology t, Random random) throws IOException, InterruptedException {
            NodeProcess victim = t.leaderOf(randomTable(random)).orElse(t.leaders().get(random.nextInt(3)));
            victim.pause();
            return "paused leader-cluster node " + victim.id();
        }
    },
    /** The Raft paths of a table's leader cut both ways for three seconds: it is alone, the other two elect. */
    PARTITION_LEADER("partition-leader", false, 3_000) {
        @Override
        String inject(LocalTopology t, Random random) {
            NodeProcess victim = t.leaderOf(randomTable(random)).orElse(t.leaders().get(random.nextInt(3)));
            t.isolate(victim.id());
            return "isolated leader-cluster node " + victim.id() + " from its peers";
        }
    },
    /** Any one leader-cluster node cut off from the other two (a minority and a majority). */
    PARTITION_NODE("partition-node", false, 3_000) {
        @Override
        String inject(LocalTopology t, Random random) {
            NodeProcess victim = t.leaders().get(random.nextInt(3));
            t.isolate(victim.id());
            return "isolated leader-cluster node " + victim.id() + " from its peers";
        }
    },
    /** kill -9 of every node of the follower cluster while the leader cluster takes writes. */
    KILL_FOLLOWER_CLUSTER("kill-follower-cluster", true, 2_000) {
        @Override
        String inject(LocalTopology t, Random random) throws InterruptedException {
            for (NodeProcess n : t.followers()) {
                n.kill();
            }
            return "killed the follower cluster";
        }
    },
    /** kill -9 of every leader-cluster node: follower reads go on, writes fail; then the leader cluster restarts. */
    LEADER_CLUSTER_DOWN("leader-cluster-down", true, 2_000) {
        @Override
        String inject(LocalTopology t, Random random) throws InterruptedException {
            for (NodeProcess n : t.leaders()) {
                n.kill();
            }
            return "killed the leader cluster";
        }
    },
    /** kill -9 of every node of both clusters, then all restart. */
    RESTART_ALL("restart-all", true, 500) {
        @Override
        String inject(LocalTopology t, Random random) throws InterruptedException {
            for (NodeProcess n : t.all()) {
                n.kill();
            }
            return "killed every node";
        }
    };

    private final String label;
    private final boolean needsFollower;
    private final long holdMillis;

    Scenario(String label, boolean needsFollower, long holdMillis) {
        this.label = label;
        this.needsFollower = needsFollower;
        this.holdMillis = holdMillis;
    }

    /** Injects the fault once; returns what it did. */
    abstract String inject(LocalTopology topology, Random random) throws IOException, InterruptedException;

    public String label() {
        return label;
    }

    /** Whether the leader cluster's Raft paths must be cuttable. */
    boolean needsLinks() {
        return this == PARTITION_LEADER || this == PARTITION_NODE;
    }

    /** Whether the scenario runs a follower cluster next to the leader cluster. */
    public boolean needsFollower() {
        return needsFollower;
    }

    /** How long a fault stays before it is healed. */
    long holdMillis() {
        return holdMillis;
    }

    public static Scenario byLabel(String label) {
        for (Scenario s : values()) {
            if (s.label.equals(label)) {
                return s;
            }
        }
        throw new IllegalArgumentException("scenario: '" + label + "' is none of " + labels());
    }

    public static List<String> labels() {
        return java.util.Arrays.stream(values()).map(Scenario::label).toList();
    }

    private static String randomTable(Random random) {
        return Workload.TABLES.get(random.nextInt(Workload.TABLES.size()));
    }
}
