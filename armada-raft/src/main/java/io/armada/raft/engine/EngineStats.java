package io.armada.raft.engine;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of the engine's persistence rounds. {@code entriesPerSync} is the figure that shows
 * group commit across groups at work.
 */
public final class EngineStats {
    final LongAdder syncs = new LongAdder();
    final LongAdder syncNanos = new LongAdder();
    final LongAdder entriesPersisted = new LongAdder();
    final LongAdder entriesApplied = new LongAdder();
    final LongAdder messagesSent = new LongAdder();
    final LongAdder messagesDropped = new LongAdder();
    final LongAdder proposalsRejected = new LongAdder();
    final LongAdder leaderChanges = new LongAdder();

    public Snapshot snapshot() {
        return new Snapshot(syncs.sum(), syncNanos.sum(), entriesPersisted.sum(), entriesApplied.sum(),
                messagesSent.sum(), messagesDropped.sum(), proposalsRejected.sum(), leaderChanges.sum());
    }

    /** A point-in-time copy of the counters. */
    public record Snapshot(long syncs, long syncNanos, long entriesPersisted, long entriesApplied,
            long messagesSent, long messagesDropped, long proposalsRejected, long leaderChanges) {

        public double entriesPerSync() {
            return syncs == 0 ? 0 : (double) entriesPersisted / syncs;
        }

        public double meanSyncMillis() {
            return syncs == 0 ? 0 : syncNanos / 1e6 / syncs;
        }

        public Snapshot minus(Snapshot earlier) {
            return new Snapshot(syncs - earlier.syncs, syncNanos - earlier.syncNanos,
                    entriesPersisted - earlier.entriesPersisted, entriesApplied - earlier.entriesApplied,
                    messagesSent - earlier.messagesSent, messagesDropped - earlier.messagesDropped,
                    proposalsRejected - earlier.proposalsRejected, leaderChanges - earlier.leaderChanges);
        }
    }
}
