package io.armada.raft.transport.quic;

import java.util.random.RandomGenerator;

/**
 * Exponential redial delays with jitter: the n-th consecutive failure waits a random time in
 * [d/2, d] where d = min(max, initial * 2^n). Jitter keeps the nodes of a restarted cluster from
 * redialing in lockstep. Not thread-safe: one dialing peer link uses it from its I/O thread.
 */
final class ReconnectBackoff {
    private final long initialMillis;
    private final long maxMillis;
    private final RandomGenerator random;
    private int failures;

    ReconnectBackoff(long initialMillis, long maxMillis, RandomGenerator random) {
        if (initialMillis < 1 || maxMillis < initialMillis) {
            throw new IllegalArgumentException("backoff " + initialMillis + ".." + maxMillis + " ms is invalid");
        }
        this.initialMillis = initialMillis;
        this.maxMillis = maxMillis;
        this.random = random;
    }

    /** The wait before the next attempt; each call counts one more consecutive failure. */
    long nextDelayMillis() {
        int shift = Math.min(failures, 62);
        long ceiling = initialMillis > (maxMillis >>> shift) ? maxMillis : Math.min(maxMillis, initialMillis << shift);
        failures = Math.min(failures + 1, 63);
        long floor = Math.max(1, ceiling / 2);
        return floor + random.nextLong(ceiling - floor + 1);
    }

    /** A connection succeeded: the next failure starts again from the initial delay. */
    void reset() {
        failures = 0;
    }
}
