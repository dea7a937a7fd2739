package io.armada.server.node;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * Futures that complete once a table's applied position reaches a value: the Raft index on the
 * leader cluster, the leader cluster's index on a follower cluster. Waiters of reads with min_revision,
 * of writes forwarded from a follower-cluster node, and of the log service's long polls hang off it.
 */
public final class AppliedWatch {
    /** Waiters per awaited position; bounded by the callers' own limits (calls in flight). */
    private final TreeMap<Long, List<CompletableFuture<Void>>> waiting = new TreeMap<>();
    /**
     * Where waiters are released: shared by every table of the JVM. Its queue holds at most the
     * waiters there are, which their callers bound (calls in flight, one long poll per table of each follower cluster).
     */
    private static final java.util.concurrent.ExecutorService WAITERS =
            java.util.concurrent.Executors.newFixedThreadPool(
                    2,
                    Thread.ofPlatform()
                            .name("armada-applied-watch-", 0)
                            .daemon()
                            .factory());

    private long position;

    public AppliedWatch(long position) {
        this.position = position;
    }

    /** Completes when the position is at least {@code target}; at once if it already is. */
    public synchronized CompletableFuture<Void> atLeast(long target) {
        if (target <= position) {
            return CompletableFuture.completedFuture(null);
        }
        // drop waiters their callers gave up on (timed out), so an idle table does not collect them
        waiting.values().forEach(l -> l.removeIf(CompletableFuture::isDone));
        waiting.values().removeIf(List::isEmpty);
        CompletableFuture<Void> f = new CompletableFuture<>();
        waiting.computeIfAbsent(target, t -> new ArrayList<>()).add(f);
        return f;
    }

    public synchronized long position() {
        return position;
    }

    /** Records a new position and releases everyone waiting for it or less. */
    public void advance(long newPosition) {
        List<CompletableFuture<Void>> ready = new ArrayList<>();
        synchronized (this) {
            if (newPosition <= position) {
                return;
            }
            position = newPosition;
            Map<Long, List<CompletableFuture<Void>>> reached = waiting.headMap(newPosition, true);
            reached.values().forEach(ready::addAll);
            reached.clear();
        }
        // Never on the caller's thread: advance runs on a Raft worker, in the middle of a round (a snapshot
        // install advances before the log is reset), and waiters' code (a long poll reading the log, a
        // reply to a client) must neither run inside that round nor hold up the other groups of the worker.
        for (CompletableFuture<Void> f : ready) {
            WAITERS.execute(() -> f.complete(null));
        }
    }
}
