package io.armada.server.replication;

/**
 * How far one table of a follower cluster is behind the leader cluster, as its replicator last
 * saw it: the leader's revision and applied index, what this cluster has applied, and since when
 * it has not been in sync. Written by the replicator's thread, read by status and metrics.
 */
public final class Lag {
    private volatile long leaderRevision;
    private volatile long leaderIndex;
    private volatile long appliedLeaderIndex;
    private volatile long lastInSyncMillis = System.currentTimeMillis();
    private volatile String lastError;

    void observed(long leaderRevision, long leaderIndex, long appliedLeaderIndex) {
        this.leaderRevision = leaderRevision;
        this.leaderIndex = leaderIndex;
        this.appliedLeaderIndex = appliedLeaderIndex;
        this.lastError = null;
        if (appliedLeaderIndex >= leaderIndex) {
            lastInSyncMillis = System.currentTimeMillis();
        }
    }

    void unreachable(String error) {
        this.lastError = error;
    }

    /** The leader cluster's revision of the table, as last seen (0 before the first pull). */
    public long leaderRevision() {
        return leaderRevision;
    }

    /** Leader entries not yet applied here, as of the last pull. */
    public long lagEntries() {
        return Math.max(0, leaderIndex - appliedLeaderIndex);
    }

    /** Milliseconds since this table was last in sync; 0 while it is. */
    public long outOfSyncMillis() {
        return lagEntries() == 0 && lastError == null ? 0 : System.currentTimeMillis() - lastInSyncMillis;
    }

    /** Why the leader cluster could not be reached at the last attempt, or null. */
    public String lastError() {
        return lastError;
    }
}
