package io.armada.raft;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * Timing and limits of one Raft group. Times are in ticks ({@link RaftGroup#tick()} calls); every
 * queue and window the core keeps is bounded by one of these limits.
 *
 * @param electionTicks ticks without hearing a leader before a follower campaigns; the actual
 *     timeout is randomized in [electionTicks, 2 * electionTicks)
 * @param heartbeatTicks ticks between a leader's heartbeats; less than electionTicks
 * @param maxSizePerMsgBytes bytes of entries per APPEND message (one entry is always sent, however large)
 * @param maxInflightMsgs APPEND messages sent to one follower and not yet acknowledged
 * @param maxInflightBytes bytes of entries sent to one follower and not yet acknowledged
 * @param maxUncommittedBytes bytes of entries a leader holds uncommitted before refusing proposals
 * @param maxEntryBytes largest data of one proposal
 * @param maxCommittedBytesPerReady bytes of committed entries handed out in one Ready (one entry always)
 * @param maxSnapshotChunkBytes bytes of snapshot data per SNAPSHOT message
 * @param maxInflightSnapshotChunks SNAPSHOT chunks sent to one follower and not yet acknowledged
 * @param maxPendingReads ReadIndex requests waiting for confirmation at a leader
 * @param preVote ask for pre-votes before raising the term, so a partitioned node cannot disrupt
 * @param checkQuorum a leader steps down without a quorum of recent responses, and followers that
 *     hear a leader ignore vote requests (a lease against disruption)
 */
public record RaftConfig(
        int electionTicks,
        int heartbeatTicks,
        long maxSizePerMsgBytes,
        int maxInflightMsgs,
        long maxInflightBytes,
        long maxUncommittedBytes,
        int maxEntryBytes,
        long maxCommittedBytesPerReady,
        int maxSnapshotChunkBytes,
        int maxInflightSnapshotChunks,
        int maxPendingReads,
        boolean preVote,
        boolean checkQuorum) {

    public RaftConfig {
        checkArgument(heartbeatTicks >= 1, "RaftConfig.heartbeatTicks = %s must be >= 1", heartbeatTicks);
        checkArgument(
                electionTicks > heartbeatTicks && electionTicks <= 1_000_000,
                "RaftConfig.electionTicks = %s must be > heartbeatTicks and <= 1000000",
                electionTicks);
        checkArgument(maxSizePerMsgBytes >= 1, "RaftConfig.maxSizePerMsgBytes = %s must be >= 1", maxSizePerMsgBytes);
        checkArgument(
                maxInflightMsgs >= 1 && maxInflightMsgs <= 65_536,
                "RaftConfig.maxInflightMsgs = %s must be 1..65536",
                maxInflightMsgs);
        checkArgument(maxInflightBytes >= 1, "RaftConfig.maxInflightBytes = %s must be >= 1", maxInflightBytes);
        checkArgument(maxEntryBytes >= 0, "RaftConfig.maxEntryBytes = %s must be >= 0", maxEntryBytes);
        checkArgument(
                maxUncommittedBytes >= (long) maxEntryBytes + Entry.OVERHEAD_BYTES,
                "RaftConfig.maxUncommittedBytes = %s must be >= maxEntryBytes + %s",
                maxUncommittedBytes,
                Entry.OVERHEAD_BYTES);
        checkArgument(
                maxCommittedBytesPerReady >= 1,
                "RaftConfig.maxCommittedBytesPerReady = %s must be >= 1",
                maxCommittedBytesPerReady);
        checkArgument(
                maxSnapshotChunkBytes >= 1,
                "RaftConfig.maxSnapshotChunkBytes = %s must be >= 1",
                maxSnapshotChunkBytes);
        checkArgument(
                maxInflightSnapshotChunks >= 1 && maxInflightSnapshotChunks <= 1024,
                "RaftConfig.maxInflightSnapshotChunks = %s must be 1..1024",
                maxInflightSnapshotChunks);
        checkArgument(
                maxPendingReads >= 1 && maxPendingReads <= 1_000_000,
                "RaftConfig.maxPendingReads = %s must be 1..1000000",
                maxPendingReads);
    }

    /** 10 election ticks, heartbeat every 2, 1 MiB messages, 256 / 32 MiB in flight, pre-vote and check-quorum on. */
    public static RaftConfig defaults() {
        return new RaftConfig(
                10, 2, 1L << 20, 256, 32L << 20, 64L << 20, 8 << 20, 64L << 20, 1 << 20, 4, 4096, true, true);
    }

    public RaftConfig withTicks(int electionTicks, int heartbeatTicks) {
        return new RaftConfig(
                electionTicks,
                heartbeatTicks,
                maxSizePerMsgBytes,
                maxInflightMsgs,
                maxInflightBytes,
                maxUncommittedBytes,
                maxEntryBytes,
                maxCommittedBytesPerReady,
                maxSnapshotChunkBytes,
                maxInflightSnapshotChunks,
                maxPendingReads,
                preVote,
                checkQuorum);
    }

    public RaftConfig withFlowControl(long maxSizePerMsgBytes, int maxInflightMsgs, long maxInflightBytes) {
        return new RaftConfig(
                electionTicks,
                heartbeatTicks,
                maxSizePerMsgBytes,
                maxInflightMsgs,
                maxInflightBytes,
                maxUncommittedBytes,
                maxEntryBytes,
                maxCommittedBytesPerReady,
                maxSnapshotChunkBytes,
                maxInflightSnapshotChunks,
                maxPendingReads,
                preVote,
                checkQuorum);
    }

    public RaftConfig withProposalLimits(long maxUncommittedBytes, int maxEntryBytes) {
        return new RaftConfig(
                electionTicks,
                heartbeatTicks,
                maxSizePerMsgBytes,
                maxInflightMsgs,
                maxInflightBytes,
                maxUncommittedBytes,
                maxEntryBytes,
                maxCommittedBytesPerReady,
                maxSnapshotChunkBytes,
                maxInflightSnapshotChunks,
                maxPendingReads,
                preVote,
                checkQuorum);
    }

    public RaftConfig withSnapshotChunks(int maxSnapshotChunkBytes, int maxInflightSnapshotChunks) {
        return new RaftConfig(
                electionTicks,
                heartbeatTicks,
                maxSizePerMsgBytes,
                maxInflightMsgs,
                maxInflightBytes,
                maxUncommittedBytes,
                maxEntryBytes,
                maxCommittedBytesPerReady,
                maxSnapshotChunkBytes,
                maxInflightSnapshotChunks,
                maxPendingReads,
                preVote,
                checkQuorum);
    }

    public RaftConfig withReadLimits(long maxCommittedBytesPerReady, int maxPendingReads) {
        return new RaftConfig(
                electionTicks,
                heartbeatTicks,
                maxSizePerMsgBytes,
                maxInflightMsgs,
                maxInflightBytes,
                maxUncommittedBytes,
                maxEntryBytes,
                maxCommittedBytesPerReady,
                maxSnapshotChunkBytes,
                maxInflightSnapshotChunks,
                maxPendingReads,
                preVote,
                checkQuorum);
    }

    public RaftConfig withElectionSafety(boolean preVote, boolean checkQuorum) {
        return new RaftConfig(
                electionTicks,
                heartbeatTicks,
                maxSizePerMsgBytes,
                maxInflightMsgs,
                maxInflightBytes,
                maxUncommittedBytes,
                maxEntryBytes,
                maxCommittedBytesPerReady,
                maxSnapshotChunkBytes,
                maxInflightSnapshotChunks,
                maxPendingReads,
                preVote,
                checkQuorum);
    }
}
