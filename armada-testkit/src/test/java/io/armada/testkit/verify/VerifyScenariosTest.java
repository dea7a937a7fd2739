package io.armada.testkit.verify;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The CI set of fault scenarios, 30 s of faults each, on real node processes. The seed is random
 * and printed; {@code -Dverify.seed=N} replays a run (the fault schedule and the workload's choices).
 */
class VerifyScenariosTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(
            value = Scenario.class,
            names = {
                "KILL_LEADER",
                "PAUSE_LEADER",
                "PARTITION_LEADER",
                "KILL_FOLLOWER_CLUSTER",
                "LEADER_CLUSTER_DOWN",
                "PARTITION_FOLLOWER_CLUSTER",
                "SLOW_DISK_LEADER",
                "PAUSE_LEADER_CLUSTER_NODE",
                "FOLLOWER_CLUSTER_REPLICATION_FAULTS"
            })
    void scenarioHoldsEveryPromise(Scenario scenario) throws Exception {
        runAndCheck(scenario);
    }

    /**
     * The nodes that lose power keep their data on a FUSE filesystem that drops what was not
     * fsynced; where FUSE is unavailable these fail (saying what to install), they never skip.
     */
    @ParameterizedTest
    @EnumSource(
            value = Scenario.class,
            names = {"POWER_LOSS_NODE", "POWER_LOSS_LEADER", "POWER_LOSS_CLUSTER", "POWER_LOSS_FOLLOWER_CLUSTER"})
    void powerLossScenarioHoldsEveryPromise(Scenario scenario) throws Exception {
        runAndCheck(scenario);
    }

    private void runAndCheck(Scenario scenario) throws Exception {
        long seed = Long.getLong("verify.seed", System.nanoTime());
        PrintWriter progress = new PrintWriter(System.out, true);
        ScenarioReport report = VerifyRunner.run(scenario, Duration.ofSeconds(30), seed, dir, progress);
        progress.print(report.text());
        progress.flush();
        assertThat(report.passed())
                .as("%s with seed %d:%n%s", scenario.label(), seed, report.text())
                .isTrue();
        assertThat(report.faults()).as("faults injected").isPositive();
        // the leader cluster is down for most of leader-cluster-down, so few writes are acknowledged there
        assertThat(report.acknowledgedWrites()).as("acknowledged writes").isGreaterThanOrEqualTo(10);
        assertThat(report.verdicts())
                .allSatisfy(v -> assertThat(v.complete()).as(v.summary()).isTrue());
    }
}
