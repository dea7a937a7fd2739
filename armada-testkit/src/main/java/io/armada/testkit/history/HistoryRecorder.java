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

    /** @param clock nanoseconds; monotonic ({@code System::nanoTime}) in real runs */
    public HistoryRecorder(LongSupplier clock) {
        this.clock = clock;
    }

    /** An operation sent and not yet answered. */
    public final class Pending {
        private final int index;

        private Pending(int index) {
            this.index = index;
        }

        /** A write acknowledged at {@code revision}; for a CAS, whether its comparison held. */
        public void written(long revision, boolean casSucceeded) {
            complete(Operation.Outcome.OK, revision, casSucceeded, null, 0);
        }

        /** A read that saw {@code value} (null: absent) with its mod revision, at the table's {@code revision}. */
        public void read(long revision, String value, long modRevision) {
            complete(Operation.Outcome.OK, revision, false, value, modRevision);
        }

        /** Certainly did not happen (the store refused it before any effect). */
        public void failed() {
            complete(Operation.Outcome.FAILED, 0, false, null, 0);
        }

        /** May or may not have happened (a timeout, a lost connection). */
        public void unknown() {
            synchronized (HistoryRecorder.this) {
                Operation op = operations.get(index);
                operations.set(index, copy(op, Operation.Outcome.UNKNOWN, Long.MAX_VALUE, 0, false, null, 0));
            }
        }

        private void complete(Operation.Outcome outcome, long revision, boolean cas, String value, long mod) {
            long now = clock.getAsLong();
            synchronized (HistoryRecorder.this) {
                Operation op = operations.get(index);
                if (op.outcome() != Operation.Outcome.UNKNOWN || op.completeNanos() != Long.MAX_VALUE) {
                    throw new IllegalStateException("operation completed twice: " + op);
                }
                operations.set(index, copy(op, outcome, now, revision, cas, value, mod));
            }
        }
    }

    /** Records the sending of an operation; complete it through the returned handle. */
    public synchronized Pending invoke(int process, Operation.Kind kind, String table, String key, String value,
            long expectedModRevision, Operation.Consistency consistency, String cluster) {
        int index = operations.size();
        operations.add(new Operation(index, process, kind, table, key, value, expectedModRevision, consistency, cluster,
                clock.getAsLong(), Long.MAX_VALUE, Operation.Outcome.UNKNOWN, 0, false, null, 0));
        return new Pending(index);
    }

    public synchronized History history() {
        return new History(operations);
    }

    private static Operation copy(Operation op, Operation.Outcome outcome, long completed, long revision, boolean cas,
            String value, long mod) {
        return new Operation(op.id(), op.process(), op.kind(), op.table(), op.key(), op.value(), op.expectedModRevision(),
                op.consistency(), op.cluster(), op.invokeNanos(), completed, outcome, revision, cas, value, mod);
    }
}
