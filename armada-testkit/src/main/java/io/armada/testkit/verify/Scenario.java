package io.armada.testkit.verify;

import io.armada.server.process.NodeProcess;
import io.armada.testkit.history.History;
import io.armada.testkit.history.Operation;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A named fault, injected again and again during a run and healed after {@link #holdMillis}: the
 * killed nodes restart, the paused ones resume, cut paths are restored, slowed disks sped up.
 * Every scenario also creates and deletes tables and compacts Raft logs (snapshots every few
 * hundred entries) while it runs.
 */
public enum Scenario {
    /** kill -9 of the Raft leader of a workload table. */
    KILL_LEADER("kill-leader", false, 2_000) {
        @Override
        String inject(LocalTopology t, Random random) throws InterruptedException {
            NodeProcess victim = t.leaderOf(randomTable(random))
                    .orElse(t.leaderClusterNodes().get(random.nextInt(3)));
            victim.kill();
            return "killed leader-cluster node " + victim.id();
        }
    },
    /** kill -9 of any one node of the leader cluster. */
    KILL_NODE("kill-node", false, 2_000) {
        @Override
        String inject(LocalTopology t, Random random) throws InterruptedException {
            NodeProcess victim = t.leaderClusterNodes().get(random.nextInt(3));
            victim.kill();
            return "killed leader-cluster node " + victim.id();
        }
    },
    /** SIGSTOP of a table's Raft leader for three election timeouts, then SIGCONT: a leader that wakes up deposed. */
    PAUSE_LEADER("pause-leader", false, 1_500) {
        @Override
        String inject(LocalTopology t, Random random) throws IOException, InterruptedException {
            NodeProcess victim = t.leaderOf(randomTable(random))
                    .orElse(t.leaderClusterNodes().get(random.nextInt(3)));
            victim.pause();
            return "paused leader-cluster node " + victim.id();
        }
    },
    /** The Raft paths of a table's leader cut both ways for three seconds: it is alone, the other two elect. */
    PARTITION_LEADER("partition-leader", false, 3_000) {
        @Override
        String inject(LocalTopology t, Random random) {
            NodeProcess victim = t.leaderOf(randomTable(random))
                    .orElse(t.leaderClusterNodes().get(random.nextInt(3)));
            t.isolate(victim.id());
            return "isolated leader-cluster node " + victim.id() + " from its peers";
        }
    },
    /** Any one leader-cluster node cut off from the other two (a minority and a majority). */
    PARTITION_NODE("partition-node", false, 3_000) {
        @Override
        String inject(LocalTopology t, Random random) {
            NodeProcess victim = t.leaderClusterNodes().get(random.nextInt(3));
            t.isolate(victim.id());
            return "isolated leader-cluster node " + victim.id() + " from its peers";
        }
    },
    /** kill -9 of every node of the follower cluster while the leader cluster takes writes. */
    KILL_FOLLOWER_CLUSTER("kill-follower-cluster", true, 2_000) {
        @Override
        String inject(LocalTopology t, Random random) throws InterruptedException {
            for (NodeProcess n : t.followerClusterNodes()) {
                n.kill();
            }
            return "killed the follower cluster";
        }
    },
    /**
     * Follower-cluster replication under a seeded mix of faults, one per injection (issue 13): kill -9 of
     * one follower-cluster node (under load it dies in the middle of applying a batch); a leader-cluster table
     * leader isolated from its peers while the follower cluster still reaches it (it appends what it can
     * never commit, and must never serve that); or the follower cluster cut off from the leader cluster
     * while that writes on and compacts (snapshots every 300 entries), so it catches up from the leader.
     * Tables are created and deleted throughout, as in every scenario. The checkers hold follower-cluster reads to
     * the leader cluster's committed history at their revision; convergence compares every digest.
     */
    FOLLOWER_CLUSTER_REPLICATION_FAULTS("follower-cluster-replication-faults", true, 3_000) {
        @Override
        String inject(LocalTopology t, Random random) throws InterruptedException {
            // drawn through SplittableRandom: the first draws of java.util.Random from nearby seeds correlate
            switch (new java.util.SplittableRandom(random.nextLong()).nextInt(3)) {
                case 0 -> {
                    NodeProcess victim = t.followerClusterNodes()
                            .get(random.nextInt(t.followerClusterNodes().size()));
                    victim.kill();
                    return "killed follower-cluster node " + victim.id();
                }
                case 1 -> {
                    NodeProcess victim = t.leaderOf(randomTable(random))
                            .orElse(t.leaderClusterNodes().get(random.nextInt(3)));
                    t.isolate(victim.id());
                    return "isolated leader-cluster node " + victim.id() + " from its peers (the follower cluster"
                            + " still reaches it)";
                }
                default -> {
                    t.cutFollowerCluster();
                    return "cut the follower cluster off while the leader cluster writes and compacts";
                }
            }
        }
    },
    /**
     * The follower cluster cut from the leader cluster (every connection to the leader cluster's
     * client endpoints reset, new ones refused) for 7 s, longer than a pull's deadline (a 1 s
     * long-poll + 1 s) and the replicator's 2 s maximum backoff, so the replicators fail, back off
     * and must find their way back. Writes through follower-cluster nodes must fail meanwhile; follower
     * reads must go on being served.
     */
    PARTITION_FOLLOWER_CLUSTER("partition-follower-cluster", true, 7_000) {
        @Override
        String inject(LocalTopology t, Random random) {
            t.cutFollowerCluster();
            return "cut the follower cluster from the leader cluster";
        }

        @Override
        List<Expectation> expectations(History history, List<Window> windows) {
            long writes = 0;
            long acknowledged = 0;
            long reads = 0;
            long served = 0;
            for (Operation o : history.operations()) {
                if (!o.cluster().startsWith("follower") || !sentDuring(o, windows, CUT_MARGIN_NANOS)) {
                    continue;
                }
                if (o.isWrite()) {
                    writes++;
                    acknowledged += o.outcome() == Operation.Outcome.OK ? 1 : 0;
                } else {
                    reads++;
                    served += o.outcome() == Operation.Outcome.OK ? 1 : 0;
                }
            }
            return List.of(
                    new Expectation(
                            String.format(
                                    "writes sent through follower-cluster nodes during the cuts: %d of %d"
                                            + " acknowledged (none may be: the leader cluster is unreachable)",
                                    acknowledged, writes),
                            writes > 0 && acknowledged == 0),
                    new Expectation(
                            String.format(
                                    "reads sent to follower-cluster nodes during the cuts: %d of %d served (all must"
                                            + " be)",
                                    served, reads),
                            reads > 0 && served == reads));
        }
    },
    /**
     * SIGSTOP for 5 s of the leader-cluster node the follower cluster's links use. A frozen node
     * answers nothing, not even UNAVAILABLE, so only deadlines reveal it: the follower cluster must
     * move to a live leader-cluster node within about an election timeout, and a write forwarded to the
     * frozen node as a table's leader must end once the others elect another. Judged per pause: the
     * follower write stall (the longest time in the pause without a write through a follower-cluster node
     * acknowledged) and the replication lag (for every write the leader cluster acknowledged during
     * the pause, until a follower-cluster read saw it), each at most {@link #MAX_FOLLOWER_STALL_NANOS}.
     */
    PAUSE_LEADER_CLUSTER_NODE("pause-leader-cluster-node", true, 5_000) {
        @Override
        String inject(LocalTopology t, Random random) throws IOException, InterruptedException {
            // the node processes of a verify run log nothing, so which endpoint the links use is
            // tracked here: each freeze of the one in use moves them to the next
            NodeProcess victim = t.leaderClusterNodeOfLinks(true);
            victim.pause();
            return "paused leader-cluster node " + victim.id() + ", the one the follower cluster used";
        }

        @Override
        List<Expectation> expectations(History history, List<Window> windows) {
            List<String> perPause = new ArrayList<>();
            boolean met = !windows.isEmpty();
            for (Window w : windows) {
                // writes through follower-cluster nodes: the longest time in the pause without one acknowledged
                // (from the freeze to the first, between two, from the last to the thaw)
                List<Long> acknowledged = new ArrayList<>();
                // replication: for each write the leader cluster acknowledged during the pause, until a
                // follower-cluster read saw it (often none: the leader cluster's clients wait on the frozen node)
                long lag = -1;
                for (Operation o : history.operations()) {
                    if (!o.isWrite()
                            || o.outcome() != Operation.Outcome.OK
                            || o.completeNanos() < w.injectedNanos()
                            || o.completeNanos() > w.healingNanos()) {
                        continue;
                    }
                    if (o.cluster().startsWith("follower")) {
                        acknowledged.add(o.completeNanos());
                        continue;
                    }
                    long seen = Long.MAX_VALUE;
                    for (Operation r : history.operations()) {
                        if (!r.isWrite()
                                && r.outcome() == Operation.Outcome.OK
                                && r.cluster().startsWith("follower")
                                && r.table().equals(o.table())
                                && r.invokeNanos() >= o.completeNanos()
                                && r.revision() >= o.revision()) {
                            seen = Math.min(seen, r.completeNanos());
                        }
                    }
                    lag = Math.max(lag, seen == Long.MAX_VALUE ? Long.MAX_VALUE : seen - o.completeNanos());
                }
                acknowledged.sort(null);
                long stall = 0;
                long previous = w.injectedNanos();
                for (long at : acknowledged) {
                    stall = Math.max(stall, at - previous);
                    previous = at;
                }
                stall = Math.max(stall, w.healingNanos() - previous);
                // a follower write is answered once the follower cluster applied it: acknowledged ones
                // show replication flowing even when no leader-cluster write was acknowledged to time
                met &= stall <= MAX_FOLLOWER_STALL_NANOS && lag <= MAX_FOLLOWER_STALL_NANOS;
                perPause.add(String.format(
                        "writes %d ms%s",
                        stall / 1_000_000,
                        lag < 0
                                ? ""
                                : lag == Long.MAX_VALUE
                                        ? ", replication never caught up"
                                        : ", replication " + lag / 1_000_000 + " ms"));
            }
            return List.of(new Expectation(
                    String.format(
                            "follower-cluster stall while a leader-cluster node was frozen, per pause:"
                                    + " %s (each at most %d ms)",
                            String.join("; ", perPause), MAX_FOLLOWER_STALL_NANOS / 1_000_000),
                    met));
        }
    },
    /**
     * Every synced Raft log write of a workload table's leader waits 1,200 ms more for 4 s, then
     * 0. The node's worker threads block in the write, so the slow leader ticks and heartbeats only
     * once per write: 1.2 s is above the largest randomized election timeout (2 × 10 ticks × 50 ms
     * = 1 s), so its followers elect a new leader while the old one's writes are still being
     * acknowledged one slow fsync at a time; and far below the workload's 5 s deadline, so writes
     * through the slow node still complete rather than all turning unknown. A slow node as a
     * follower ticks once per 1.2 s, too slowly to disrupt the others with elections.
     */
    SLOW_DISK_LEADER("slow-disk-leader", false, 4_000) {
        static final long FSYNC_DELAY_MILLIS = 1_200;

        @Override
        String inject(LocalTopology t, Random random) throws IOException, InterruptedException {
            NodeProcess victim = t.leaderOf(randomTable(random))
                    .orElse(t.leaderClusterNodes().get(random.nextInt(3)));
            t.slowDisk(victim, FSYNC_DELAY_MILLIS);
            return "slowed every fsync of leader-cluster node " + victim.id() + " by " + FSYNC_DELAY_MILLIS + " ms";
        }

        @Override
        String observe(LocalTopology t) {
            StringBuilder b = new StringBuilder("table leaderClusterNodes before healing:");
            for (String table : VerifyWorkload.TABLES) {
                b.append(' ')
                        .append(table)
                        .append("=node ")
                        .append(t.leaderOf(table)
                                .map(n -> Long.toString(n.id()))
                                .orElse("none"));
            }
            return b.toString();
        }
    },
    /** kill -9 of every leader-cluster node: follower-cluster reads go on, writes fail; then the leader cluster restarts. */
    LEADER_CLUSTER_DOWN("leader-cluster-down", true, 2_000) {
        @Override
        String inject(LocalTopology t, Random random) throws InterruptedException {
            for (NodeProcess n : t.leaderClusterNodes()) {
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
    },
    /**
     * A power cut of any one leader-cluster node: its process is killed and everything it did not
     * fsync is lost (both RocksDB instances, snapshot files, directory entries: see
     * {@link io.armada.testkit.fuse.LossyFilesystem}); then it restarts on what survived.
     */
    POWER_LOSS_NODE("power-loss-node", false, 2_000) {
        @Override
        String inject(LocalTopology t, Random random) throws IOException, InterruptedException {
            NodeProcess victim = t.leaderClusterNodes().get(random.nextInt(3));
            return "power cut of leader-cluster node " + victim.id() + " (" + t.powerCut(List.of(victim)) + ")";
        }
    },
    /** A power cut of the node that leads a workload table's Raft group. */
    POWER_LOSS_LEADER("power-loss-leader", false, 2_000) {
        @Override
        String inject(LocalTopology t, Random random) throws IOException, InterruptedException {
            NodeProcess victim = t.leaderOf(randomTable(random))
                    .orElse(t.leaderClusterNodes().get(random.nextInt(3)));
            return "power cut of leader-cluster node " + victim.id() + " (" + t.powerCut(List.of(victim)) + ")";
        }
    },
    /**
     * A power cut of every leader-cluster node at once (a site-wide outage): every node forgets
     * what it did not fsync, and every acknowledged write must still be there after the restart,
     * every table open. Every node takes its local snapshots at the same indexes, so this is where
     * a snapshot recorded ahead of the state it covers shows.
     */
    POWER_LOSS_CLUSTER("power-loss-cluster", false, 1_000) {
        @Override
        String inject(LocalTopology t, Random random) throws IOException, InterruptedException {
            return "power cut of the leader cluster (" + t.powerCut(t.leaderClusterNodes()) + ")";
        }
    },
    /** A power cut of every follower-cluster node at once while the leader cluster takes writes. */
    POWER_LOSS_FOLLOWER_CLUSTER("power-loss-follower-cluster", true, 2_000) {
        @Override
        String inject(LocalTopology t, Random random) throws IOException, InterruptedException {
            return "power cut of the follower cluster (" + t.powerCut(t.followerClusterNodes()) + ")";
        }
    };

    private final String label;
    private final boolean needsFollowerCluster;
    private final long holdMillis;

    Scenario(String label, boolean needsFollowerCluster, long holdMillis) {
        this.label = label;
        this.needsFollowerCluster = needsFollowerCluster;
        this.holdMillis = holdMillis;
    }

    /** Injects the fault once; returns what it did. */
    abstract String inject(LocalTopology topology, Random random) throws IOException, InterruptedException;

    public String label() {
        return label;
    }

    /** Whether the leader cluster's Raft paths must be cuttable. */
    boolean needsLinks() {
        return this == PARTITION_LEADER || this == PARTITION_NODE || this == FOLLOWER_CLUSTER_REPLICATION_FAULTS;
    }

    /** Whether the follower cluster reaches the leader cluster through {@link TcpProxy}s that can be cut. */
    boolean needsLeaderClusterProxies() {
        return this == PARTITION_FOLLOWER_CLUSTER || this == FOLLOWER_CLUSTER_REPLICATION_FAULTS;
    }

    /** Whether the leader cluster's nodes keep their data on a {@link io.armada.testkit.fuse.LossyFilesystem}. */
    boolean losesPowerInLeaderCluster() {
        return this == POWER_LOSS_NODE || this == POWER_LOSS_LEADER || this == POWER_LOSS_CLUSTER;
    }

    /** Whether the follower cluster's nodes keep their data on a {@link io.armada.testkit.fuse.LossyFilesystem}. */
    boolean losesPowerInFollowerCluster() {
        return this == POWER_LOSS_FOLLOWER_CLUSTER;
    }

    /** Whether the leader cluster's processes start with failpoints enabled. */
    boolean needsFailpoints() {
        return this == SLOW_DISK_LEADER;
    }

    /** What the fault did, seen just before healing, for the progress line; null when there is nothing to say. */
    String observe(LocalTopology topology) {
        return null;
    }

    /**
     * What this fault promises beyond the checkers and convergence, judged on the history and the
     * times the fault was in place; empty for most scenarios.
     */
    List<Expectation> expectations(History history, List<Window> windows) {
        return List.of();
    }

    /** When one injected fault was in place: from after {@link #inject} returned to before healing began (nanoTime). */
    record Window(long injectedNanos, long healingNanos) {}

    /** One promise of a scenario, as a line of its report. */
    public record Expectation(String summary, boolean met) {}

    /**
     * A write sent within this long before healing may reach the leader cluster after the path is
     * restored: only operations sent earlier in a cut are judged.
     */
    private static final long CUT_MARGIN_NANOS = 1_000_000_000L;

    /**
     * An operation sent while a fault was in place, at least {@code marginNanos} before healing
     * began. By the time it was sent, not answered: an UNKNOWN operation has no completion time.
     */
    private static boolean sentDuring(Operation o, List<Window> windows, long marginNanos) {
        for (Window w : windows) {
            if (o.invokeNanos() >= w.injectedNanos() && o.invokeNanos() <= w.healingNanos() - marginNanos) {
                return true;
            }
        }
        return false;
    }

    /** Whether the scenario runs a follower cluster next to the leader cluster. */
    public boolean needsFollowerCluster() {
        return needsFollowerCluster;
    }

    /** How long a fault stays before it is healed. */
    long holdMillis() {
        return holdMillis;
    }

    /**
     * Labels renamed so that a cross-cluster name says "cluster" ("Words" in docs/ARCHITECTURE.md),
     * old to new: {@link #byLabel} still accepts the old ones, so scripts written for them run on.
     */
    public static final Map<String, String> RENAMED_LABELS = Map.of(
            "pause-leader-node", PAUSE_LEADER_CLUSTER_NODE.label,
            "follower-replication-faults", FOLLOWER_CLUSTER_REPLICATION_FAULTS.label);

    public static Scenario byLabel(String label) {
        String current = RENAMED_LABELS.getOrDefault(label, label);
        for (Scenario s : values()) {
            if (s.label.equals(current)) {
                return s;
            }
        }
        throw new IllegalArgumentException("scenario: '" + label + "' is none of " + labels());
    }

    public static List<String> labels() {
        return java.util.Arrays.stream(values()).map(Scenario::label).toList();
    }

    /**
     * How long a follower cluster may stall after a leader-cluster node froze: its link's probe notices in
     * 0.75 s, a new leader-cluster leader is elected within 1 s, and the workload's operations on two
     * loaded cores take their share; far below the 5 s pause, so staying on the frozen node fails.
     */
    private static final long MAX_FOLLOWER_STALL_NANOS = 3_000_000_000L;

    private static String randomTable(Random random) {
        return VerifyWorkload.TABLES.get(random.nextInt(VerifyWorkload.TABLES.size()));
    }
}
