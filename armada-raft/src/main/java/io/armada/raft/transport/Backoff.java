package io.armada.raft.transport;

import java.util.random.RandomGenerator;

/**
 * Exponential retry delays with jitter, for every link that retries a peer: a Raft peer's QUIC
 * redial, a follower cluster's pull from the leader cluster, a table group's open and catch-up
 * rounds. The n-th consecutive failure waits a random time in [d/2, d] where
 * d = min(max, initial * 2^n). Jitter keeps the nodes of a restarted cluster (or the tables of one
 * node) from retrying in lockstep.
 *
 * <p>An instance counts its owner's consecutive failures and is not thread-safe: one owner uses it
 * from one thread. Retries that are chained callbacks on changing threads pass their attempt
 * number to {@link #delayMillis(long, long, int, RandomGenerator)} instead.
 */
public final class Backoff {
    private final long initialMillis;
    private final long maxMillis;
    private final RandomGenerator random;
    private int failures;

    public Backoff(long initialMillis, long maxMillis, RandomGenerator random) {
        checkBounds(initialMillis, maxMillis);
        this.initialMillis = initialMillis;
        this.maxMillis = maxMillis;
        this.random = random;
    }

    /** The wait before the next attempt; each call counts one more consecutive failure. */
    public long nextDelayMillis() {
        long delay = delayMillis(initialMillis, maxMillis, failures, random);
        failures = Math.min(failures + 1, 63);
        return delay;
    }

    /** An attempt succeeded: the next failure starts again from the initial delay. */
    public void reset() {
        failures = 0;
    }

    /** The wait after {@code failures} consecutive failures (0 for the first retry). */
    public static long delayMillis(long initialMillis, long maxMillis, int failures, RandomGenerator random) {
        checkBounds(initialMillis, maxMillis);
        if (failures < 0) {
            throw new IllegalArgumentException("failures " + failures + " is negative");
        }
        int shift = Math.min(failures, 62);
        long ceiling = initialMillis > (maxMillis >>> shift) ? maxMillis : Math.min(maxMillis, initialMillis << shift);
        long floor = Math.max(1, ceiling / 2);
        return floor + random.nextLong(ceiling - floor + 1);
    }

    private static void checkBounds(long initialMillis, long maxMillis) {
        if (initialMillis < 1 || maxMillis < initialMillis) {
            throw new IllegalArgumentException("backoff " + initialMillis + ".." + maxMillis + " ms is invalid");
        }
    }
}
