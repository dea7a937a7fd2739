package io.armada.raft.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Keeps the benchmark's Ratis baseline working: a real 3-replica Ratis group commits a bounded batch. */
class RatisTargetTest {
    @TempDir
    Path dir;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void threeReplicasCommitAndApplyEveryProposal() throws Exception {
        int proposals = 200;
        // Ratis' default election timing: one idle group needs none of the benchmark's long timeouts, and the
        // first election then takes well under a second instead of 5-10 s.
        Map<String, String> defaultElections =
                Map.of("raft.server.rpc.timeout.min", "150ms", "raft.server.rpc.timeout.max", "300ms");
        try (RatisTarget target = new RatisTarget(Duration.ofSeconds(30), defaultElections)) {
            target.start(dir, 1);
            target.beginMeasurement();
            // Eight in flight at a time, like the closed loop, without timing anything.
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (int i = 0; i < proposals; i += 8) {
                List<CompletableFuture<Void>> wave = new ArrayList<>();
                for (int j = i; j < Math.min(proposals, i + 8); j++) {
                    wave.add(target.propose(0, ("entry-" + j).getBytes(StandardCharsets.UTF_8)));
                }
                CompletableFuture.allOf(wave.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
                all.addAll(wave);
            }

            assertThat(all).hasSize(proposals).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
            // Each proposal was applied on the leader before its future completed.
            assertThat(target.appliedTransactions()).isGreaterThanOrEqualTo(proposals);
            var stats = target.extraStats();
            assertThat(stats.get("fsyncs/s")).isPositive();
            assertThat(stats.get("entries/fsync")).isGreaterThanOrEqualTo(1.0);
        }
    }
}
