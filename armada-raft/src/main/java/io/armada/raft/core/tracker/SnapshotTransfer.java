package io.armada.raft.core.tracker;

import io.armada.raft.SnapshotMeta;

/**
 * Leader-side state of one snapshot streamed to one follower: a go-back-N window of chunks. The
 * follower acknowledges the next byte it expects; a silent window is re-sent from the last
 * acknowledged byte after a timeout, so lost chunks cost time, never correctness.
 *
 * <p>Every (re)start of the window is a new <em>pass</em>, numbered by the leader and echoed by the
 * follower. Only a gap reported for a chunk of the current pass rewinds: chunks of an older pass
 * that arrive late would otherwise each trigger another rewind, and under reordering the chunks in
 * flight would multiply without bound.
 *
 * <p>The bytes of a snapshot are fixed by its meta (a leader serves one snapshot per meta), so the
 * follower keeps what it received across passes of the same leader and term, and the follower is
 * the authority on where it stands: an acknowledgement beyond what this transfer sent (the follower
 * kept bytes of an earlier transfer whose first chunk of this one was lost) moves the window there.
 * Responses of earlier transfers are ignored ({@link #owns}): the follower may have restarted since.
 */
public final class SnapshotTransfer {
    private final SnapshotMeta meta;
    private final int maxInflightChunks;
    private final long firstPass;
    private long pass;
    private final long[] chunkEnds;
    private int inflight;
    private long ackedOffset;
    private long sentOffset;
    private boolean lastSent;
    private int idleTicks;

    public SnapshotTransfer(SnapshotMeta meta, int maxInflightChunks, long pass) {
        this.meta = meta;
        this.pass = pass;
        this.firstPass = pass;
        this.maxInflightChunks = maxInflightChunks;
        this.chunkEnds = new long[maxInflightChunks];
    }

    public SnapshotMeta meta() {
        return meta;
    }

    /** The current pass: chunks carry it, responses echo it. */
    public long pass() {
        return pass;
    }

    /** Whether a response to a chunk of pass {@code p} is about this transfer (not an earlier one). */
    public boolean owns(long p) {
        return p >= firstPass && p <= pass;
    }

    /** Whether the transfer is still in its first pass: its first chunk then starts a new receive. */
    public boolean inFirstPass() {
        return pass == firstPass;
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

    /**
     * The follower expects byte {@code offset} next; frees the chunks it covers. It may be ahead of
     * what this transfer sent (it kept bytes of an earlier one): sending then resumes from there.
     */
    public void acked(long offset) {
        if (offset <= ackedOffset) {
            return; // stale or duplicate: nothing new is covered
        }
        ackedOffset = offset;
        if (offset > sentOffset) {
            sentOffset = offset;
        }
        idleTicks = 0;
        int freed = 0;
        while (freed < inflight && chunkEnds[freed] <= offset) {
            freed++;
        }
        System.arraycopy(chunkEnds, freed, chunkEnds, 0, inflight - freed);
        inflight -= freed;
    }

    /**
     * Starts pass {@code newPass} from {@code offset} (the follower's expected byte, or the last
     * acknowledged one).
     */
    public void rewindTo(long offset, long newPass) {
        if (newPass <= pass) {
            throw new IllegalStateException("snapshot pass " + newPass + " does not follow " + pass);
        }
        pass = newPass;
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
