package io.armada.cli;

import io.armada.testkit.verify.Scenario;
import io.armada.testkit.verify.ScenarioReport;
import io.armada.testkit.verify.VerifyRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/** {@code armada verify}: fault scenarios on local node processes, judged by the history checkers. */
@CommandLine.Command(
        name = "verify",
        mixinStandardHelpOptions = true,
        description = {
            "Run fault scenarios against node processes on 127.0.0.1 and check the recorded history:"
                    + " revisions (unique, in real-time order, reads equal to the replay at their revision, monotonic"
                    + " per client and node), linearizability, and convergence after the faults heal.",
            "Exit 1 on any violation; each run's history is saved under --dir."
        })
final class VerifyCommand implements Callable<Integer> {
    @CommandLine.Option(
            names = "--scenario",
            defaultValue = "all",
            description = "A scenario name or all (default: ${DEFAULT-VALUE}).")
    String scenario;

    @CommandLine.Option(
            names = "--duration",
            defaultValue = "30",
            description = "Seconds of faults per scenario (default: ${DEFAULT-VALUE}).")
    int duration;

    @CommandLine.Option(
            names = "--seed",
            description = "Seed of the fault schedule and workload (default: random, printed).")
    Long seed;

    @CommandLine.Option(
            names = "--dir",
            description = "Where node data and histories go (default: a new temporary directory).")
    Path dir;

    @CommandLine.Option(
            names = "--check",
            paramLabel = "HISTORY",
            description = "Only check a history a run saved (a .history.jsonl file), with both checkers.")
    Path check;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (check != null) {
            var history = io.armada.testkit.history.History.load(check);
            var verdicts = List.of(
                    io.armada.testkit.check.RevisionChecker.check(history),
                    new io.armada.testkit.check.LinearizabilityChecker(
                                    io.armada.testkit.check.LinearizabilityChecker.DEFAULT_STEP_LIMIT)
                            .check(history));
            verdicts.forEach(v -> spec.commandLine().getOut().println(v.summary()));
            return verdicts.stream().allMatch(io.armada.testkit.check.Verdict::valid) ? 0 : 1;
        }
        List<Scenario> scenarios = new ArrayList<>();
        try {
            if (scenario.equals("all")) {
                scenarios.addAll(List.of(Scenario.values()));
            } else {
                if (Scenario.RENAMED_LABELS.containsKey(scenario)) {
                    spec.commandLine()
                            .getErr()
                            .println("warning: scenario " + scenario + " is now "
                                    + Scenario.RENAMED_LABELS.get(scenario) + "; the old name will go away");
                }
                scenarios.add(Scenario.byLabel(scenario));
            }
            if (duration < 5 || duration > 3_600) {
                throw new IllegalArgumentException("duration: " + duration + " is not between 5 and 3600 seconds");
            }
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage() + " (scenarios: " + Scenario.labels() + ")");
            return ClientCommand.EXIT_USAGE;
        }
        long s = seed != null ? seed : System.nanoTime();
        Path root = dir != null ? dir : Files.createTempDirectory("armada-verify");
        var out = spec.commandLine().getOut();
        out.printf("seed %d, data and histories under %s%n", s, root);
        boolean allPassed = true;
        for (Scenario sc : scenarios) {
            ScenarioReport report = VerifyRunner.run(
                    sc,
                    Duration.ofSeconds(duration),
                    s,
                    root.resolve(sc.label()),
                    spec.commandLine().getErr());
            out.print(report.text());
            out.flush();
            allPassed &= report.passed();
        }
        out.println(allPassed ? "all scenarios passed" : "VIOLATIONS FOUND; replay with --seed " + s);
        return allPassed ? 0 : 1;
    }
}
