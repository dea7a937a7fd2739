package io.armada.raft.engine;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * Limits and timing of a node's Raft engine. Every queue is bounded; a full one rejects work
 * instead of growing, so an overloaded node answers "busy" rather than running out of memory.
 *
 * @param workerThreads threads that drive all groups of the node (a group always runs on one)
 * @param tickMillis wall-clock length of one Raft tick; election and heartbeat timeouts are in ticks
 * @param inboxCapacity events (messages, proposals, reads) queued per worker before new ones are refused
 * @param maxPendingProposalsPerGroup proposals accepted but not yet applied, per group
 * @param maxRoundBytes bytes of entries persisted in one synced write; the rest waits for the next round
 * @param snapshotThresholdEntries entries applied since the last snapshot that trigger a new one
 * @param compactionRetainEntries entries kept in the log behind a snapshot, so a briefly lagging
 *     follower catches up from the log rather than by a snapshot transfer
 */
public record EngineConfig(
        int workerThreads,
        long tickMillis,
        int inboxCapacity,
        int maxPendingProposalsPerGroup,
        long maxRoundBytes,
        long snapshotThresholdEntries,
        long compactionRetainEntries) {

    public EngineConfig {
        checkArgument(workerThreads >= 1 && workerThreads <= 256, "workerThreads: %s is outside 1..256", workerThreads);
        checkArgument(tickMillis >= 1 && tickMillis <= 10_000, "tickMillis: %s is outside 1..10000", tickMillis);
        checkArgument(inboxCapacity >= 16, "inboxCapacity: %s is outside >= 16", inboxCapacity);
        checkArgument(
                maxPendingProposalsPerGroup >= 1,
                "maxPendingProposalsPerGroup: %s is outside >= 1",
                maxPendingProposalsPerGroup);
        checkArgument(maxRoundBytes >= 64 * 1024, "maxRoundBytes: %s is outside >= 65536", maxRoundBytes);
        checkArgument(
                snapshotThresholdEntries >= 1,
                "snapshotThresholdEntries: %s is outside >= 1",
                snapshotThresholdEntries);
        checkArgument(
                compactionRetainEntries >= 0, "compactionRetainEntries: %s is outside >= 0", compactionRetainEntries);
    }

    /** Two workers (this machine kind has two cores), 50 ms ticks. */
    public static EngineConfig defaults() {
        return new EngineConfig(2, 50, 65_536, 10_000, 32L << 20, 100_000, 10_000);
    }

    public EngineConfig withWorkerThreads(int threads) {
        return new EngineConfig(
                threads,
                tickMillis,
                inboxCapacity,
                maxPendingProposalsPerGroup,
                maxRoundBytes,
                snapshotThresholdEntries,
                compactionRetainEntries);
    }

    public EngineConfig withTickMillis(long millis) {
        return new EngineConfig(
                workerThreads,
                millis,
                inboxCapacity,
                maxPendingProposalsPerGroup,
                maxRoundBytes,
                snapshotThresholdEntries,
                compactionRetainEntries);
    }

    public EngineConfig withSnapshots(long thresholdEntries, long retainEntries) {
        return new EngineConfig(
                workerThreads,
                tickMillis,
                inboxCapacity,
                maxPendingProposalsPerGroup,
                maxRoundBytes,
                thresholdEntries,
                retainEntries);
    }
}
