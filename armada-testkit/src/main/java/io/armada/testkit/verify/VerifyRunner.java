package io.armada.testkit.verify;

import com.google.protobuf.ByteString;
import io.armada.api.v1.CreateTableRequest;
import io.armada.api.v1.HashRequest;
import io.armada.api.v1.HashResponse;
import io.armada.api.v1.KVGrpc;
import io.armada.api.v1.MaintenanceGrpc;
import io.armada.api.v1.PutRequest;
import io.armada.api.v1.TablesGrpc;
import io.armada.server.process.NodeProcess;
import io.armada.testkit.check.LinearizabilityChecker;
import io.armada.testkit.check.RevisionChecker;
import io.armada.testkit.check.Verdict;
import io.armada.testkit.history.History;
import io.armada.testkit.history.HistoryRecorder;
import io.armada.testkit.history.Operation;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Runs one {@link Scenario}: starts the clusters as processes, runs the {@link VerifyWorkload} while the
 * fault is injected and healed again and again (times drawn from the seed), heals everything,
 * checks convergence (every table takes a write within 10 s; every follower-cluster node's table digest
 * equals the leader cluster's within 30 s), then judges the history with both checkers and the
 * scenario's own expectations (what must happen while its fault is in place).
 */
public final class VerifyRunner {
    static final int CLIENTS = 6;
    static final Duration WRITE_CONVERGENCE = Duration.ofSeconds(10);
    static final Duration DIGEST_CONVERGENCE = Duration.ofSeconds(30);
    static final Duration FIRST_FAULT_AFTER = Duration.ofSeconds(5);

    private VerifyRunner() {}

    public static ScenarioReport run(Scenario scenario, Duration duration, long seed, Path dir, PrintWriter progress)
            throws IOException, InterruptedException {
        Random random = new Random(seed);
        Files.createDirectories(dir);
        HistoryRecorder recorder = new HistoryRecorder(System::nanoTime);
        long faults = 0;
        long started = System.nanoTime();
        String convergence;
        long churned;
        List<String> recoveryFailures = new java.util.ArrayList<>();
        List<Scenario.Window> windows = new java.util.ArrayList<>();
        try (LocalTopology topology = LocalTopology.start(dir, scenario)) {
            progress.printf(
                    "%s: clusters up (%d node processes); running %d s%n",
                    scenario.label(), topology.all().size(), duration.toSeconds());
            progress.flush();
            createTables(topology);
            VerifyWorkload workload = new VerifyWorkload(topology, recorder, seed, CLIENTS);
            workload.start();
            long end = System.nanoTime() + duration.toNanos();
            try {
                Thread.sleep(
                        FIRST_FAULT_AFTER.toMillis()); // pacing: a stretch of normal service before the first fault
                while (System.nanoTime() < end - TimeUnit.SECONDS.toNanos(3)) {
                    Thread.sleep(1_000 + random.nextInt(2_000)); // time between faults, drawn from the seed
                    long t0 = System.nanoTime();
                    String fault = scenario.inject(topology, random);
                    long injected = System.nanoTime();
                    Thread.sleep(scenario.holdMillis());
                    windows.add(new Scenario.Window(injected, System.nanoTime()));
                    String observed = scenario.observe(topology);
                    topology.heal();
                    long healed = System.nanoTime();
                    // the next fault comes only after the clusters took writes again: a window of service per cycle
                    String stuck = awaitWritable(topology);
                    progress.printf(
                            "  fault %d: %s (in %d ms), healed %d ms later, writable after %d ms more%s%n",
                            ++faults,
                            fault,
                            (injected - t0) / 1_000_000,
                            (healed - injected) / 1_000_000,
                            (System.nanoTime() - healed) / 1_000_000,
                            observed == null ? "" : "; " + observed);
                    progress.flush();
                    if (stuck != null) {
                        recoveryFailures.add("after fault " + faults + " (" + fault + "): " + stuck);
                    }
                }
                long left = end - System.nanoTime();
                if (left > 0) {
                    Thread.sleep(TimeUnit.NANOSECONDS.toMillis(left));
                }
            } finally {
                workload.stop();
                topology.heal();
            }
            churned = workload.tablesChurned();
            convergence = converge(topology);
            if (!recoveryFailures.isEmpty()) {
                convergence = String.join("; ", recoveryFailures) + (convergence == null ? "" : "; " + convergence);
            }
        }
        History history = recorder.history();
        Path file = dir.resolve(scenario.label() + "-" + seed + ".history.jsonl");
        history.save(file);
        List<Verdict> verdicts = List.of(
                RevisionChecker.check(history),
                new LinearizabilityChecker(LinearizabilityChecker.DEFAULT_STEP_LIMIT).check(history));
        List<Operation> ops = history.operations();
        List<Scenario.Expectation> expectations = scenario.expectations(history, windows);
        return new ScenarioReport(
                scenario.label(),
                seed,
                (System.nanoTime() - started) / 1e9,
                ops.size(),
                ops.stream()
                        .filter(o -> o.isWrite() && o.outcome() == Operation.Outcome.OK)
                        .count(),
                ops.stream()
                        .filter(o -> o.outcome() == Operation.Outcome.UNKNOWN)
                        .count(),
                ops.stream()
                        .filter(o -> o.outcome() == Operation.Outcome.FAILED)
                        .count(),
                faults,
                churned,
                verdicts,
                expectations,
                convergence,
                file);
    }

    private static void createTables(LocalTopology topology) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Set<String> created = new HashSet<>();
        while (created.size() < VerifyWorkload.TABLES.size()) {
            for (String t : VerifyWorkload.TABLES) {
                if (created.contains(t)) {
                    continue;
                }
                try {
                    TablesGrpc.newBlockingStub(topology.channel(
                                    topology.leaderClusterNodes().getFirst()))
                            .withDeadlineAfter(5, TimeUnit.SECONDS)
                            .create(CreateTableRequest.newBuilder().setName(t).build());
                    created.add(t);
                } catch (io.grpc.StatusRuntimeException e) {
                    if (e.getStatus().getCode() == io.grpc.Status.Code.ALREADY_EXISTS) {
                        created.add(t);
                    } else if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("cannot create the workload tables: " + e.getStatus(), e);
                    } else {
                        Thread.sleep(200); // until the catalog has a leader
                    }
                }
            }
        }
    }

    /** Null when converged, else what did not. */
    private static String converge(LocalTopology topology) throws InterruptedException {
        String stuck = awaitWritable(topology);
        if (stuck != null) {
            return stuck;
        }
        long deadline = System.nanoTime() + DIGEST_CONVERGENCE.toNanos();
        String last = null;
        while (System.nanoTime() < deadline) {
            last = digestsDiffer(topology);
            if (last == null) {
                return null;
            }
            Thread.sleep(200); // followerClusterNodes apply asynchronously
        }
        return "digests still differ after " + DIGEST_CONVERGENCE.toSeconds() + " s: " + last;
    }

    /** Null once every workload table took a write through the leader cluster, within {@link #WRITE_CONVERGENCE}. */
    private static String awaitWritable(LocalTopology topology) throws InterruptedException {
        for (String table : VerifyWorkload.TABLES) {
            long deadline = System.nanoTime() + WRITE_CONVERGENCE.toNanos();
            boolean written = false;
            while (!written && System.nanoTime() < deadline) {
                for (NodeProcess n : topology.leaderClusterNodes()) {
                    try {
                        KVGrpc.newBlockingStub(topology.channel(n))
                                .withDeadlineAfter(2, TimeUnit.SECONDS)
                                .put(PutRequest.newBuilder()
                                        .setTable(table)
                                        .setKey(ByteString.copyFromUtf8("converged"))
                                        .setValue(ByteString.copyFromUtf8("yes"))
                                        .build());
                        written = true;
                        break;
                    } catch (io.grpc.StatusRuntimeException e) {
                        // try the next node
                    }
                }
                if (!written) {
                    Thread.sleep(100); // an election may still be running
                }
            }
            if (!written) {
                return "table " + table + " took no write within " + WRITE_CONVERGENCE.toSeconds() + " s after healing";
            }
        }
        return null;
    }

    private static String digestsDiffer(LocalTopology topology) {
        for (String table : VerifyWorkload.TABLES) {
            String first = null;
            for (NodeProcess n : topology.all()) {
                try {
                    HashResponse h = MaintenanceGrpc.newBlockingStub(topology.channel(n))
                            .withDeadlineAfter(5, TimeUnit.SECONDS)
                            .hash(HashRequest.newBuilder().setTable(table).build());
                    String d = h.getHeader().getRevision() + ":"
                            + java.util.HexFormat.of().formatHex(h.getSha256().toByteArray());
                    if (first == null) {
                        first = d;
                    } else if (!first.equals(d)) {
                        return "table " + table + ": node " + LocalTopology.endpoint(n) + " has " + d + ", others "
                                + first;
                    }
                } catch (io.grpc.StatusRuntimeException e) {
                    return "table " + table + ": node " + LocalTopology.endpoint(n) + " answers " + e.getStatus();
                }
            }
        }
        return null;
    }
}
