package io.armada.bench;

import io.armada.client.ArmadaClient;
import io.armada.client.ArmadaException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * {@link Workload#CATCHUP}: how long a follower cluster takes to reach the leader cluster's
 * current revision of each table. Each follower-cluster node is asked with {@code min_revision} (the node
 * answers once it has applied it, within the call's deadline), again and again while the node is
 * still starting, the table not yet replicated, or a snapshot still loading.
 */
final class CatchUp {
    /** The whole wait is bounded: a follower cluster that never catches up fails the run. */
    static final Duration LIMIT = Duration.ofMinutes(10);

    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
    private static final byte[] PROBE = "catchup-probe".getBytes(StandardCharsets.US_ASCII);

    private CatchUp() {}

    static BenchResult measure(BenchSpec spec, PrintWriter progress) throws Exception {
        long start = System.nanoTime();
        Map<String, Long> revisions = new LinkedHashMap<>();
        try (ArmadaClient leader = new ArmadaClient(spec.endpoints(), CALL_TIMEOUT)) {
            for (String table : spec.tables()) {
                revisions.put(table, leader.range(table, PROBE, null, 1, true).revision());
            }
        }
        progress.printf(
                "waiting for %d follower-cluster nodes to apply %s%n",
                spec.followerClusterEndpoints().size(), revisions);
        progress.flush();
        AtomicLong failedAttempts = new AtomicLong();
        List<CompletableFuture<Long>> nodes = new ArrayList<>();
        for (String endpoint : spec.followerClusterEndpoints()) {
            nodes.add(CompletableFuture.supplyAsync(
                    () -> waitFor(endpoint, revisions, start, failedAttempts, progress),
                    command -> Thread.ofVirtual().start(command)));
        }
        Histogram perNode = new Histogram(TimeUnit.MINUTES.toMicros(20), 3);
        for (CompletableFuture<Long> node : nodes) {
            perNode.recordValue(node.join());
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new BenchResult(
                "armada",
                "catchup",
                spec.tables(),
                spec.followerClusterEndpoints().size(),
                1,
                0,
                false,
                0,
                seconds,
                spec.followerClusterEndpoints().size(),
                failedAttempts.get(),
                0,
                BenchResult.Latency.of(perNode),
                null);
    }

    /** Microseconds from {@code start} until {@code endpoint} applied every table's revision. */
    private static long waitFor(
            String endpoint, Map<String, Long> revisions, long start, AtomicLong failedAttempts, PrintWriter progress) {
        long deadline = start + LIMIT.toNanos();
        try (ArmadaClient node = new ArmadaClient(List.of(endpoint), CALL_TIMEOUT)) {
            for (Map.Entry<String, Long> table : revisions.entrySet()) {
                while (true) {
                    try {
                        node.rangeAsync(table.getKey(), PROBE, null, 1, false, table.getValue())
                                .join();
                        break;
                    } catch (java.util.concurrent.CompletionException e) {
                        if (!(e.getCause() instanceof ArmadaException)) {
                            throw e;
                        }
                        failedAttempts.incrementAndGet(); // starting, not replicated yet, or still loading
                        if (System.nanoTime() > deadline) {
                            throw new IllegalStateException(endpoint + " did not reach revision " + table.getValue()
                                    + " of table " + table.getKey() + " within " + LIMIT + ": "
                                    + e.getCause().getMessage());
                        }
                        sleepBriefly();
                    }
                }
            }
        }
        long micros = (System.nanoTime() - start) / 1_000;
        synchronized (progress) {
            progress.printf("%s caught up after %.2f s%n", endpoint, micros / 1e6);
            progress.flush();
        }
        return micros;
    }

    private static void sleepBriefly() {
        try {
            Thread.sleep(100); // between attempts at a node that is starting up: no busy loop
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
