package io.armada.raft.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One Raft implementation under benchmark: three replicas in this JVM hosting {@code groups} Raft
 * groups, fsync on, every server bound to 127.0.0.1. {@link RaftBench} drives each group in a closed loop.
 *
 * <p>Lifecycle: {@link #start}, then any number of {@link #propose} calls (from many threads), with
 * {@link #beginMeasurement} / {@link #extraStats} around the measured window, then {@link #close}.
 * A target instance is started at most once; the harness makes a fresh one per point.
 */
public interface BenchTarget extends AutoCloseable {

    /** Short name used on the command line and in the results table, e.g. {@code ratis}. */
    String name();

    /**
     * Starts three replicas storing everything under {@code dataDir} (which exists and is empty), creates
     * {@code groups} groups each replicated on all three, and returns once every group has a leader that
     * can commit. Throws if that cannot be done; the harness bounds the call with its own timeout.
     */
    void start(Path dataDir, int groups) throws Exception;

    /**
     * Proposes one entry to group {@code group} (0-based, below the {@code groups} given to start). The future
     * completes when the entry is committed by a quorum, fsynced, and applied on the leader; it fails if the
     * outcome is an error. Must not block; called from the harness and from completion callbacks.
     */
    CompletableFuture<Void> propose(int group, byte[] payload);

    /** Marks the start of the measured window; {@link #extraStats} covers the time since. */
    default void beginMeasurement() {}

    /**
     * Implementation-specific figures for the window since {@link #beginMeasurement}, in display order, e.g.
     * {@code entries/fsync} and {@code fsyncs/s} summed over the three replicas. {@code NaN} prints as n/a.
     */
    default Map<String, Double> extraStats() {
        return Map.of();
    }

    /** Stops clients and replicas and releases every thread and file handle; safe after a failed start. */
    @Override
    void close() throws IOException;
}
