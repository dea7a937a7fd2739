package io.armada.raft.engine;

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
        require(workerThreads >= 1 && workerThreads <= 256, "workerThreads", workerThreads, "1..256");
        require(tickMillis >= 1 && tickMillis <= 10_000, "tickMillis", tickMillis, "1..10000");
        require(inboxCapacity >= 16, "inboxCapacity", inboxCapacity, ">= 16");
        require(maxPendingProposalsPerGroup >= 1, "maxPendingProposalsPerGroup", maxPendingProposalsPerGroup, ">= 1");
        require(maxRoundBytes >= 64 * 1024, "maxRoundBytes", maxRoundBytes, ">= 65536");
        require(snapshotThresholdEntries >= 1, "snapshotThresholdEntries", snapshotThresholdEntries, ">= 1");
        require(compactionRetainEntries >= 0, "compactionRetainEntries", compactionRetainEntries, ">= 0");
    }

    private static void require(boolean ok, String field, long value, String range) {
        if (!ok) {
            throw new IllegalArgumentException(field + ": " + value + " is outside " + range);
        }
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
