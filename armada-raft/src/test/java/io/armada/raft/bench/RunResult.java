package io.armada.raft.bench;

/** What one run of one target on one point came to: a measurement, or why there is none. */
sealed interface RunResult {
    String target();

    LoadPoint point();

    int run();

    record Measured(String target, LoadPoint point, int run, ClosedLoop.Outcome outcome) implements RunResult {}

    record Failed(String target, LoadPoint point, int run, String reason) implements RunResult {}
}
