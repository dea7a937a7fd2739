package io.armada.raft.core.tracker;

import io.armada.raft.SnapshotMeta;

/**
 * A leader's view of one follower: how far its log matches ({@code match}), what to send next
 * ({@code next}), the replication state and the flow-control window. Invariant: match < next.
 */
public final class Progress {
    private long match;
    private long next;
    private ProgressState state = ProgressState.PROBE;
    /**
     * Hold APPENDs until a response or heartbeat response: in PROBE one is outstanding, in
     * REPLICATE the window is full (a heartbeat response then allows one empty APPEND, which
     * recovers a window whose messages were all lost).
     */
    private boolean flowPaused;
    /** Highest commit index sent to this follower. */
    private long sentCommit;

    private boolean recentActive;
    private boolean learner;
    private final Inflights inflights;
    private SnapshotTransfer snapshot;
    /** Highest ReadIndex round this follower has echoed. */
    private long readRoundAcked;

    public Progress(long match, long next, boolean learner, Inflights inflights) {
        if (match >= next) {
            throw new IllegalStateException("progress needs match < next: " + match + " >= " + next);
        }
        this.match = match;
        this.next = next;
        this.learner = learner;
        this.inflights = inflights;
    }

    public long match() {
        return match;
    }

    public long next() {
        return next;
    }

    public ProgressState state() {
        return state;
    }

    public Inflights inflights() {
        return inflights;
    }

    public SnapshotTransfer snapshot() {
        return snapshot;
    }

    public boolean learner() {
        return learner;
    }

    public void setLearner(boolean learner) {
        this.learner = learner;
    }

    public boolean recentActive() {
        return recentActive;
    }

    public void setRecentActive(boolean active) {
        this.recentActive = active;
    }

    public long readRoundAcked() {
        return readRoundAcked;
    }

    public void ackReadRound(long round) {
        readRoundAcked = Math.max(readRoundAcked, round);
    }

    private void resetState(ProgressState s) {
        state = s;
        flowPaused = false;
        snapshot = null;
        inflights.reset();
    }

    /** Back to probing from match + 1 (or past the snapshot that was being sent, if it got installed). */
    public void becomeProbe() {
        resetState(ProgressState.PROBE);
        next = match + 1;
        sentCommit = Math.min(sentCommit, next - 1);
    }

    public void becomeReplicate() {
        resetState(ProgressState.REPLICATE);
        next = match + 1;
    }

    public void becomeSnapshot(SnapshotMeta meta, int maxInflightChunks, long pass) {
        resetState(ProgressState.SNAPSHOT);
        snapshot = new SnapshotTransfer(meta, maxInflightChunks, pass);
        next = meta.index() + 1;
        sentCommit = meta.index();
    }

    /** Whether the leader must hold APPENDs to this follower for now. */
    public boolean paused() {
        return switch (state) {
            case PROBE, REPLICATE -> flowPaused;
            case SNAPSHOT -> true;
        };
    }

    /** Lets the leader send again (a heartbeat response proved the follower is reachable). */
    public void resumeFlow() {
        flowPaused = false;
    }

    /** Holds APPENDs until the next heartbeat response. */
    public void pauseFlow() {
        flowPaused = true;
    }

    public void sentCommit(long commit) {
        sentCommit = Math.max(sentCommit, commit);
    }

    /** Whether the follower may not know commit index {@code index} though it holds entries up to it. */
    public boolean canBumpCommit(long index) {
        return index > sentCommit && sentCommit < next - 1;
    }

    /** Records an APPEND with {@code entries} entries of {@code bytes} just sent. */
    public void sentEntries(int entries, long bytes) {
        switch (state) {
            case REPLICATE -> {
                if (entries > 0) {
                    next += entries;
                    inflights.add(next - 1, bytes);
                }
                flowPaused = inflights.full();
            }
            case PROBE -> {
                if (entries > 0) {
                    flowPaused = true;
                }
            }
            case SNAPSHOT -> throw new IllegalStateException("sending entries while sending a snapshot");
        }
    }

    /** Follower acknowledged everything up to {@code index}; false if that is not news. */
    public boolean maybeUpdate(long index) {
        if (index <= match) {
            return false;
        }
        match = index;
        next = Math.max(next, index + 1);
        flowPaused = false;
        return true;
    }

    /**
     * Follower rejected the APPEND after {@code rejected}; {@code hint} is its guess of the last
     * matching index. False if the rejection is stale (out of order).
     */
    public boolean maybeDecrTo(long rejected, long hint) {
        if (state == ProgressState.REPLICATE) {
            if (rejected <= match) {
                return false; // stale: we already know a later match
            }
            next = match + 1;
            sentCommit = Math.min(sentCommit, next - 1);
            return true;
        }
        if (next - 1 != rejected) {
            return false; // not the probe we sent last
        }
        next = Math.max(Math.min(rejected, hint + 1), match + 1);
        sentCommit = Math.min(sentCommit, next - 1);
        flowPaused = false;
        return true;
    }

    @Override
    public String toString() {
        return state + " match=" + match + " next=" + next + (learner ? " learner" : "") + (paused() ? " paused" : "")
                + " inflight=" + inflights.count() + "/" + inflights.bytes() + "B";
    }
}
