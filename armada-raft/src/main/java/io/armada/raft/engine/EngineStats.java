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
    final LongAdder heartbeatsCoalesced = new LongAdder();

    public Snapshot snapshot() {
        return new Snapshot(
                syncs.sum(),
                syncNanos.sum(),
                entriesPersisted.sum(),
                entriesApplied.sum(),
                messagesSent.sum(),
                messagesDropped.sum(),
                proposalsRejected.sum(),
                leaderChanges.sum(),
                heartbeatsCoalesced.sum());
    }

    /**
     * A point-in-time copy of the counters.
     *
     * @param heartbeatsCoalesced heartbeats and responses that travelled in a frame shared with other groups
     */
    public record Snapshot(
            long syncs,
            long syncNanos,
            long entriesPersisted,
            long entriesApplied,
            long messagesSent,
            long messagesDropped,
            long proposalsRejected,
            long leaderChanges,
            long heartbeatsCoalesced) {

        public double entriesPerSync() {
            return syncs == 0 ? 0 : (double) entriesPersisted / syncs;
        }

        public double meanSyncMillis() {
            return syncs == 0 ? 0 : syncNanos / 1e6 / syncs;
        }

        /** No counts: the start of a sum. */
        public static final Snapshot ZERO = new Snapshot(0, 0, 0, 0, 0, 0, 0, 0, 0);

        /** The counts of two engines together. */
        public Snapshot plus(Snapshot o) {
            return new Snapshot(
                    syncs + o.syncs,
                    syncNanos + o.syncNanos,
                    entriesPersisted + o.entriesPersisted,
                    entriesApplied + o.entriesApplied,
                    messagesSent + o.messagesSent,
                    messagesDropped + o.messagesDropped,
                    proposalsRejected + o.proposalsRejected,
                    leaderChanges + o.leaderChanges,
                    heartbeatsCoalesced + o.heartbeatsCoalesced);
        }

        public Snapshot minus(Snapshot earlier) {
            return new Snapshot(
                    syncs - earlier.syncs,
                    syncNanos - earlier.syncNanos,
                    entriesPersisted - earlier.entriesPersisted,
                    entriesApplied - earlier.entriesApplied,
                    messagesSent - earlier.messagesSent,
                    messagesDropped - earlier.messagesDropped,
                    proposalsRejected - earlier.proposalsRejected,
                    leaderChanges - earlier.leaderChanges,
                    heartbeatsCoalesced - earlier.heartbeatsCoalesced);
        }
    }
}
