package io.armada.server.node;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * Futures that complete once a table's applied position reaches a value: the Raft index on the
 * leader cluster, the leader's index on a follower cluster. Waiters of reads with min_revision,
 * of writes forwarded from a follower, and of the log service's long polls hang off it.
 */
public final class AppliedWatch {
    /** Waiters per awaited position; bounded by the callers' own limits (calls in flight). */
    private final TreeMap<Long, List<CompletableFuture<Void>>> waiting = new TreeMap<>();
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
        ready.forEach(f -> f.complete(null)); // outside the lock: completion runs callers' code
    }
}
