package io.armada.raft.log;

/**
 * A failpoint on the log store's synced write path: while set above zero, every synced write
 * waits that long after its fsync and before it returns, as on a slow or overloaded disk. The
 * wait sits on the acknowledgement path on purpose: Raft may only answer (vote, append, commit)
 * after the sync, so a slow sync delays exactly what a slow disk would. Zero unless a test sets
 * it (the server exposes it only when started with failpoints enabled); the cost when off is one
 * volatile read per synced write.
 */
public final class FsyncDelay {
    /** Longer delays are refused: a failpoint that stalls a node for minutes is a typo, not a slow disk. */
    public static final long MAX_MILLIS = 60_000;

    /** How the delay is waited out; tests count the calls instead of waiting. */
    @FunctionalInterface
    interface Sleeper {
        void sleep(long millis) throws InterruptedException;
    }

    private final Sleeper sleeper;
    private volatile long millis;

    public FsyncDelay() {
        this(Thread::sleep);
    }

    FsyncDelay(Sleeper sleeper) {
        this.sleeper = sleeper;
    }

    /** The current delay per synced write; 0 when off. */
    public long millis() {
        return millis;
    }

    /** Sets the delay per synced write; 0 turns it off. */
    public void set(long millis) {
        if (millis < 0 || millis > MAX_MILLIS) {
            throw new IllegalArgumentException("fsync delay: " + millis + " ms is not between 0 and " + MAX_MILLIS);
        }
        this.millis = millis;
    }

    /** Called after every synced write, before it returns. */
    void afterSync() {
        long m = millis;
        if (m == 0) {
            return;
        }
        try {
            sleeper.sleep(m);
        } catch (InterruptedException e) {
            // the write is durable; the caller's thread is being stopped and will see the flag
            Thread.currentThread().interrupt();
        }
    }
}
