package io.armada.raft.core.tracker;

import io.armada.raft.SnapshotMeta;

/**
 * Leader-side state of one snapshot streamed to one follower: a go-back-N window of chunks. The
 * follower acknowledges the next byte it expects; a silent window is re-sent from the last
 * acknowledged byte after a timeout, so lost chunks cost time, never correctness.
 */
public final class SnapshotTransfer {
    private final SnapshotMeta meta;
    private final int maxInflightChunks;
    private final long[] chunkEnds;
    private int inflight;
    private long ackedOffset;
    private long sentOffset;
    private boolean lastSent;
    private int idleTicks;

    public SnapshotTransfer(SnapshotMeta meta, int maxInflightChunks) {
        this.meta = meta;
        this.maxInflightChunks = maxInflightChunks;
        this.chunkEnds = new long[maxInflightChunks];
    }

    public SnapshotMeta meta() {
        return meta;
    }

    /** Whether another chunk may be sent now. */
    public boolean canSend() {
        return !lastSent && inflight < maxInflightChunks;
    }

    /** Offset of the next chunk to send. */
    public long sentOffset() {
        return sentOffset;
    }

    public long ackedOffset() {
        return ackedOffset;
    }

    public int inflightChunks() {
        return inflight;
    }

    public void sent(long end, boolean last) {
        if (!canSend() || end < sentOffset) {
            throw new IllegalStateException("snapshot chunk sent out of window: end=" + end + " sent=" + sentOffset);
        }
        chunkEnds[inflight++] = end;
        sentOffset = end;
        lastSent = last;
    }

    /** The follower expects byte {@code offset} next; frees the chunks it covers. */
    public void acked(long offset) {
        if (offset <= ackedOffset || offset > sentOffset) {
            return; // stale, duplicate or nonsense: nothing new is covered
        }
        ackedOffset = offset;
        idleTicks = 0;
        int freed = 0;
        while (freed < inflight && chunkEnds[freed] <= offset) {
            freed++;
        }
        System.arraycopy(chunkEnds, freed, chunkEnds, 0, inflight - freed);
        inflight -= freed;
    }

    /** Sends again from {@code offset} (the follower's expected byte, or the last acknowledged one). */
    public void rewindTo(long offset) {
        long to = Math.max(ackedOffset, Math.min(offset, sentOffset));
        ackedOffset = to;
        sentOffset = to;
        inflight = 0;
        lastSent = false;
        idleTicks = 0;
    }

    /** Counts a leader tick without acknowledgement; true when the window should be re-sent. */
    public boolean tickIdle(int timeoutTicks) {
        return ++idleTicks >= timeoutTicks;
    }
}
