package io.armada.raft.bench;

/** What one run of one target on one scenario came to: a measurement, or why there is none. */
sealed interface RunResult {
    String target();

    Scenario scenario();

    int run();

    record Measured(String target, Scenario scenario, int run, ClosedLoop.Outcome outcome) implements RunResult {
    }

    record Failed(String target, Scenario scenario, int run, String reason) implements RunResult {
    }
}
