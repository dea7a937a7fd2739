package io.armada.raft.util;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Lets one warning through per interval and counts the ones held back, so input a peer controls
 * (a refused dialer retrying, a stream of impossible messages) cannot flood the log. Thread-safe.
 *
 * <pre>{@code
 * long suppressed = refusals.tryAcquire();
 * if (suppressed >= 0) log.warn("refusing ... ({} similar since the last warning)", ..., suppressed);
 * }</pre>
 */
public final class RateLimitedWarning {
    /** One warning per this long per kind: enough to see a problem persists without a line per event. */
    public static final long DEFAULT_INTERVAL_MILLIS = 10_000;

    private final long intervalNanos;
    private final LongSupplier nanoClock;
    private final AtomicLong nextAllowedNanos;
    private final AtomicLong suppressed = new AtomicLong();

    public RateLimitedWarning() {
        this(DEFAULT_INTERVAL_MILLIS, System::nanoTime);
    }

    RateLimitedWarning(long intervalMillis, LongSupplier nanoClock) {
        this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMillis);
        this.nanoClock = nanoClock;
        this.nextAllowedNanos = new AtomicLong(nanoClock.getAsLong());
    }

    /**
     * Whether to log this warning: -1 if it should be dropped; otherwise (log it) how many were
     * dropped since the last one let through.
     */
    public long tryAcquire() {
        long now = nanoClock.getAsLong();
        long next = nextAllowedNanos.get();
        if (now - next >= 0 && nextAllowedNanos.compareAndSet(next, now + intervalNanos)) {
            return suppressed.getAndSet(0);
        }
        suppressed.incrementAndGet();
        return -1;
    }
}
