package io.armada.server.node;

import java.util.function.LongSupplier;

/**
 * How far one table of a follower cluster is behind the leader cluster, on any node of it. The
 * leader cluster's position (applied index and revision) arrives in two ways: every replicated batch
 * carries it as of its pull, so each follower-cluster node learns it when it applies the batch; and the
 * node running the table's replicator also learns it from every pull, including empty ones and
 * failures. This node's own position is read live, so the figure includes its apply lag.
 */
public final class ReplicationLag {
    private final LongSupplier position;
    private final LongSupplier clockMillis;
    private volatile long leaderClusterIndex;
    private volatile long leaderClusterRevision;
    private volatile long lastInSyncMillis;
    private volatile String lastError;

    /**
     * @param position the leader-cluster index this node has applied up to
     * @param clockMillis wall-clock milliseconds
     */
    public ReplicationLag(LongSupplier position, LongSupplier clockMillis) {
        this.position = position;
        this.clockMillis = clockMillis;
        this.lastInSyncMillis = clockMillis.getAsLong();
    }

    /** The leader cluster stood at {@code leaderClusterIndex} (revision {@code leaderClusterRevision}) at some pull. */
    public void leaderClusterAt(long leaderClusterIndex, long leaderClusterRevision) {
        // batches and pulls can arrive out of order on the replicator's node: keep the newest
        if (leaderClusterIndex > this.leaderClusterIndex) {
            this.leaderClusterIndex = leaderClusterIndex;
        }
        if (leaderClusterRevision > this.leaderClusterRevision) {
            this.leaderClusterRevision = leaderClusterRevision;
        }
        lastError = null;
        noteInSync();
    }

    /** The replicator could not reach the leader cluster. */
    public void unreachable(String error) {
        lastError = error;
    }

    private void noteInSync() {
        if (position.getAsLong() >= leaderClusterIndex) {
            lastInSyncMillis = clockMillis.getAsLong();
        }
    }

    /** Whether any leader-cluster position is known yet. */
    public boolean known() {
        return leaderClusterIndex > 0;
    }

    /** The leader cluster's revision of the table, as last seen (0 before the first pull). */
    public long leaderClusterRevision() {
        return leaderClusterRevision;
    }

    /** Leader-cluster log entries of the table this node has not applied yet, as of the last known leader-cluster position. */
    public long lagEntries() {
        return Math.max(0, leaderClusterIndex - position.getAsLong());
    }

    /** Milliseconds since this table was last in sync here; 0 while it is. */
    public long outOfSyncMillis() {
        if (lagEntries() == 0 && lastError == null) {
            lastInSyncMillis = clockMillis.getAsLong();
            return 0;
        }
        return Math.max(0, clockMillis.getAsLong() - lastInSyncMillis);
    }

    /** Why the replicator on this node could not reach the leader cluster at its last attempt, or null. */
    public String lastError() {
        return lastError;
    }
}
