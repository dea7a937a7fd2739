package io.armada.raft.transport.quic;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes and messages one peer may have queued but not yet handed to QUIC. Senders reserve before
 * queueing and the I/O thread releases after writing or discarding, so the bound holds across
 * reconnects. Lock-free: both counters live in one long (bytes high, messages low 24 bits).
 */
final class OutboundBudget {
    private static final int MESSAGE_BITS = 24;
    private static final long MESSAGE_MASK = (1L << MESSAGE_BITS) - 1;
    static final int MESSAGES_CEILING = (int) MESSAGE_MASK;

    private final long maxBytes;
    private final int maxMessages;
    private final AtomicLong state = new AtomicLong();

    OutboundBudget(long maxBytes, int maxMessages) {
        if (maxMessages < 1 || maxMessages > MESSAGES_CEILING) {
            throw new IllegalArgumentException("maxMessages: " + maxMessages + " is outside 1.." + MESSAGES_CEILING);
        }
        if (maxBytes < 1 || maxBytes > (Long.MAX_VALUE >>> MESSAGE_BITS)) {
            throw new IllegalArgumentException("maxBytes: " + maxBytes + " is out of range");
        }
        this.maxBytes = maxBytes;
        this.maxMessages = maxMessages;
    }

    /** Reserves room for one message of {@code bytes}; false if either bound would be exceeded. */
    boolean tryReserve(int bytes) {
        while (true) {
            long current = state.get();
            long newBytes = (current >>> MESSAGE_BITS) + bytes;
            long newMessages = (current & MESSAGE_MASK) + 1;
            if (newBytes > maxBytes || newMessages > maxMessages) {
                return false;
            }
            if (state.compareAndSet(current, (newBytes << MESSAGE_BITS) | newMessages)) {
                return true;
            }
        }
    }

    /** Returns the room of {@code messages} messages totalling {@code bytes}. */
    void release(int messages, long bytes) {
        long after = state.addAndGet(-((bytes << MESSAGE_BITS) | messages));
        if (after < 0 || (after & MESSAGE_MASK) > maxMessages) {
            throw new IllegalStateException("outbound budget released more than reserved: " + after);
        }
    }

    long queuedBytes() {
        return state.get() >>> MESSAGE_BITS;
    }

    int queuedMessages() {
        return (int) (state.get() & MESSAGE_MASK);
    }
}
