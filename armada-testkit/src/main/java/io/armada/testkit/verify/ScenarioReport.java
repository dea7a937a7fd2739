package io.armada.testkit.verify;

import io.armada.testkit.check.Verdict;
import java.nio.file.Path;
import java.util.List;

/**
 * The outcome of one scenario run.
 *
 * @param expectations what the scenario promises while its fault is in place, beyond the checkers
 * @param convergence what happened after the faults healed; null when it converged
 * @param history where the run's history was saved
 */
public record ScenarioReport(
        String scenario,
        long seed,
        double seconds,
        long operations,
        long acknowledgedWrites,
        long unknownOperations,
        long failedOperations,
        long faults,
        long tablesChurned,
        List<Verdict> verdicts,
        List<Scenario.Expectation> expectations,
        String convergence,
        Path history) {

    public ScenarioReport {
        verdicts = List.copyOf(verdicts);
        expectations = List.copyOf(expectations);
    }

    /** No checker found a violation, the scenario's expectations were met and the clusters converged. */
    public boolean passed() {
        return convergence == null
                && verdicts.stream().allMatch(Verdict::valid)
                && expectations.stream().allMatch(Scenario.Expectation::met);
    }

    public String text() {
        StringBuilder b = new StringBuilder();
        b.append(String.format("%s (seed %d, %.0f s): %s%n", scenario, seed, seconds, passed() ? "PASS" : "FAIL"));
        b.append(String.format(
                "  %d operations: %d acknowledged writes, %d unknown, %d failed; %d faults; %d tables"
                        + " created and deleted%n",
                operations, acknowledgedWrites, unknownOperations, failedOperations, faults, tablesChurned));
        for (Verdict v : verdicts) {
            b.append("  ").append(v.summary().replace("\n", "\n  ")).append('\n');
        }
        for (Scenario.Expectation e : expectations) {
            b.append("  ").append(e.met() ? "" : "UNMET: ").append(e.summary()).append('\n');
        }
        b.append("  convergence: ")
                .append(
                        convergence == null
                                ? "every table took a write and every follower-cluster digest"
                                        + " equals the leader cluster's"
                                : convergence)
                .append('\n');
        b.append("  history: ").append(history).append('\n');
        return b.toString();
    }
}
