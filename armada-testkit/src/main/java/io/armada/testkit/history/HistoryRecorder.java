package io.armada.testkit.history;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Records a history from many client threads: {@link #invoke} when an operation is sent, then
 * one of {@link Pending}'s completions when its answer (or failure) arrives. An operation never
 * completed counts as UNKNOWN: it may or may not have happened.
 */
public final class HistoryRecorder {
    private final LongSupplier clock;
    private final List<Operation> operations = new ArrayList<>();

    /** @param clock nanoseconds; monotonic ({@code System::nanoTime}) in real runs, a counter in tests */
    public HistoryRecorder(LongSupplier clock) {
        this.clock = clock;
    }

    /** An operation sent and not yet answered; complete it exactly once. */
    public final class Pending {
        private final int index;
        private boolean completed; // guarded by the recorder: a second answer means the caller lost track of it

        private Pending(int index) {
            this.index = index;
        }

        /** A write acknowledged at {@code revision}; for a CAS, whether its comparison held. */
        public void written(long revision, boolean casSucceeded) {
            complete(Operation.Outcome.OK, clock.getAsLong(), revision, casSucceeded, null, 0, true);
        }

        /** A read that saw {@code value} (null: absent) with its mod revision, at the table's {@code revision}. */
        public void read(long revision, String value, long modRevision) {
            complete(Operation.Outcome.OK, clock.getAsLong(), revision, false, value, modRevision, false);
        }

        /** Certainly did not happen (the store refused it before any effect). */
        public void failed() {
            complete(Operation.Outcome.FAILED, clock.getAsLong(), 0, false, null, 0, null);
        }

        /**
         * May or may not have happened (a timeout, a lost connection). No completion time is kept:
         * the store may still apply it after the client gave up, so it stays open-ended.
         */
        public void unknown() {
            complete(Operation.Outcome.UNKNOWN, Long.MAX_VALUE, 0, false, null, 0, null);
        }

        /** @param write whether only a write (true) or only a read (false) may complete this way; null: either */
        private void complete(
                Operation.Outcome outcome,
                long completed,
                long revision,
                boolean cas,
                String value,
                long mod,
                Boolean write) {
            synchronized (HistoryRecorder.this) {
                Operation op = operations.get(index);
                if (this.completed) {
                    throw new IllegalStateException("operation completed twice: " + op);
                }
                if (write != null && write != op.isWrite()) {
                    throw new IllegalArgumentException(
                            (write ? "a read cannot be written: " : "a write cannot be read: ") + op);
                }
                this.completed = true;
                operations.set(
                        index,
                        new Operation(
                                op.id(),
                                op.process(),
                                op.kind(),
                                op.table(),
                                op.key(),
                                op.value(),
                                op.expectedModRevision(),
                                op.consistency(),
                                op.cluster(),
                                op.invokeNanos(),
                                completed,
                                outcome,
                                revision,
                                cas,
                                value,
                                mod));
            }
        }
    }

    /**
     * Records the sending of an operation; complete it through the returned handle.
     *
     * @param value PUT and CAS: the value written (null for DELETE and READ)
     * @param expectedModRevision CAS: the mod revision the comparison requires (0: absent); 0 otherwise
     * @param consistency READ: how it is served; null for writes
     * @param cluster the cluster (or node) the operation is sent to, e.g. "leader" or a follower cluster's name
     */
    public synchronized Pending invoke(
            int process,
            Operation.Kind kind,
            String table,
            String key,
            String value,
            long expectedModRevision,
            Operation.Consistency consistency,
            String cluster) {
        int index = operations.size();
        operations.add(new Operation(
                index,
                process,
                kind,
                table,
                key,
                value,
                expectedModRevision,
                consistency,
                cluster,
                clock.getAsLong(),
                Long.MAX_VALUE,
                Operation.Outcome.UNKNOWN,
                0,
                false,
                null,
                0));
        return new Pending(index);
    }

    /** A snapshot: operations still pending appear as UNKNOWN. */
    public synchronized History history() {
        return new History(operations);
    }
}
