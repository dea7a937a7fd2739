package io.armada.testkit.check;

import io.armada.testkit.history.Operation;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The definition of linearizability, checked by brute force for tiny one-key histories: some
 * subset of the UNKNOWN writes, and some order of those and every answered operation that keeps
 * real-time order, replays on a register to exactly the results seen. Written separately from the
 * checker (no memo, no pruning, its own model) so the two can be compared.
 */
final class BruteForceLinearizability {
    private BruteForceLinearizability() {}

    /** The register: value (null: absent), mod revision, and whether that revision is known. */
    private record State(String value, long mod, boolean modKnown) {}

    static boolean isLinearizable(List<Operation> ops) {
        List<Operation> answered =
                ops.stream().filter(o -> o.outcome() == Operation.Outcome.OK).toList();
        List<Operation> unknown = ops.stream()
                .filter(o -> o.outcome() == Operation.Outcome.UNKNOWN)
                .toList();
        for (int subset = 0; subset < 1 << unknown.size(); subset++) {
            List<Operation> chosen = new ArrayList<>(answered);
            for (int i = 0; i < unknown.size(); i++) {
                if ((subset & 1 << i) != 0) {
                    chosen.add(unknown.get(i));
                }
            }
            if (order(chosen, new boolean[chosen.size()], 0, new State(null, 0, true))) {
                return true;
            }
        }
        return false;
    }

    private static boolean order(List<Operation> ops, boolean[] done, int count, State state) {
        if (count == ops.size()) {
            return true;
        }
        for (int i = 0; i < ops.size(); i++) {
            if (done[i] || !mayGoNext(ops, done, i)) {
                continue;
            }
            State next = apply(state, ops.get(i));
            if (next != null) {
                done[i] = true;
                boolean found = order(ops, done, count + 1, next);
                done[i] = false;
                if (found) {
                    return true;
                }
            }
        }
        return false;
    }

    /** No operation left out of the order so far completed before {@code i} was invoked. */
    private static boolean mayGoNext(List<Operation> ops, boolean[] done, int i) {
        for (int j = 0; j < ops.size(); j++) {
            Operation o = ops.get(j);
            if (!done[j]
                    && j != i
                    && o.outcome() == Operation.Outcome.OK
                    && o.completeNanos() < ops.get(i).invokeNanos()) {
                return false;
            }
        }
        return true;
    }

    private static State apply(State s, Operation op) {
        boolean answered = op.outcome() == Operation.Outcome.OK;
        boolean compareHolds = !s.modKnown() || s.mod() == op.expectedModRevision();
        boolean compareFails = !s.modKnown() || s.mod() != op.expectedModRevision();
        return switch (op.kind()) {
            case PUT -> new State(op.value(), op.revision(), answered);
            case DELETE -> new State(null, 0, true);
            case CAS -> {
                if (!answered || op.casSucceeded()) { // an UNKNOWN one in the subset took effect
                    yield compareHolds ? new State(op.value(), op.revision(), answered) : null;
                }
                yield compareFails ? s : null;
            }
            case READ ->
                Objects.equals(s.value(), op.readValue())
                                && (s.value() == null || !s.modKnown() || s.mod() == op.readModRevision())
                        ? s
                        : null;
        };
    }
}
