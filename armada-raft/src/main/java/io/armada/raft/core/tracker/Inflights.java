package io.armada.raft.core.tracker;

/**
 * The APPEND messages sent to one follower and not yet acknowledged, as a ring of (last index,
 * bytes). The window is full at {@code maxCount} messages or {@code maxBytes} bytes; the leader
 * stops sending until acknowledgements free it, which bounds memory and network queues per peer.
 */
public final class Inflights {
    private final int maxCount;
    private final long maxBytes;
    private final long[] lastIndexes;
    private final long[] sizes;
    private int start;
    private int count;
    private long bytes;

    public Inflights(int maxCount, long maxBytes) {
        if (maxCount < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("inflight limits must be positive: " + maxCount + ", " + maxBytes);
        }
        this.maxCount = maxCount;
        this.maxBytes = maxBytes;
        this.lastIndexes = new long[maxCount];
        this.sizes = new long[maxCount];
    }

    /** Records a message whose last entry is {@code lastIndex}; indexes must increase. */
    public void add(long lastIndex, long sizeBytes) {
        if (full()) {
            throw new IllegalStateException("adding to a full inflight window (" + count + " msgs, " + bytes + " B)");
        }
        if (count > 0 && lastIndexes[(start + count - 1) % maxCount] >= lastIndex) {
            throw new IllegalStateException("inflight index " + lastIndex + " does not increase");
        }
        int slot = (start + count) % maxCount;
        lastIndexes[slot] = lastIndex;
        sizes[slot] = sizeBytes;
        count++;
        bytes += sizeBytes;
    }

    /** Frees every message whose last index is at most {@code index} (acknowledged). */
    public void freeLE(long index) {
        while (count > 0 && lastIndexes[start] <= index) {
            bytes -= sizes[start];
            start = (start + 1) % maxCount;
            count--;
        }
        if (count == 0) {
            start = 0;
        }
    }

    public boolean full() {
        return count == maxCount || bytes >= maxBytes;
    }

    /** Bytes that may still be sent before the window is full; at least 0. */
    public long remainingBytes() {
        return Math.max(0, maxBytes - bytes);
    }

    public int count() {
        return count;
    }

    public long bytes() {
        return bytes;
    }

    public void reset() {
        start = 0;
        count = 0;
        bytes = 0;
    }
}
