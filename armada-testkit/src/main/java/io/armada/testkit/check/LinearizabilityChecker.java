package io.armada.testkit.check;

import io.armada.testkit.history.History;
import io.armada.testkit.history.Operation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Linearizability of the writes and linearizable reads of a history. A history of independent
 * registers is linearizable when each register's part is (P-compositionality), so the history is
 * split per (table, key) and each partition searched on its own by {@link WglSearch}; the model is
 * one register holding a value (or nothing) and its mod revision.
 *
 * <ul>
 *   <li>FAILED operations never happened and take no part.
 *   <li>Serializable and follower reads take no part: they may be stale by design (the revision
 *       checker covers them).
 *   <li>A write that may or may not have happened (UNKNOWN) has no end: the search may place it
 *       anywhere after its start, or nowhere; its revision is unknown, so a read or comparison
 *       after it may see any revision. Most UNKNOWN writes no read saw are left out before the
 *       search ({@link UnseenUnknownWrites}), and the search places the others only where they
 *       can matter ({@link UnknownWriteRules}, {@link Explored}); each says why no verdict changes.
 *   <li>A partition whose search exceeds the step limit is undecided: neither a pass nor a
 *       violation, and reported by name.
 * </ul>
 */
public final class LinearizabilityChecker {
    public static final long DEFAULT_STEP_LIMIT = 5_000_000;

    private final long stepLimit;

    /** @param stepLimit how many search steps one partition may take before it is left undecided */
    public LinearizabilityChecker(long stepLimit) {
        if (stepLimit <= 0) {
            throw new IllegalArgumentException("step limit must be positive: " + stepLimit);
        }
        this.stepLimit = stepLimit;
    }

    public Verdict check(History history) {
        Map<String, List<Operation>> partitions = new LinkedHashMap<>();
        for (Operation op : history.operations()) {
            if (takesPart(op)) {
                partitions
                        .computeIfAbsent(op.table() + "/" + op.key(), k -> new ArrayList<>())
                        .add(op);
            }
        }
        List<String> violations = new ArrayList<>();
        List<String> undecided = new ArrayList<>();
        long operations = 0;
        long leftOut = 0;
        long steps = 0;
        for (Map.Entry<String, List<Operation>> p : partitions.entrySet()) {
            List<Operation> ops = UnseenUnknownWrites.leaveOut(p.getValue());
            leftOut += p.getValue().size() - ops.size();
            operations += ops.size();
            switch (WglSearch.run(ops, stepLimit)) {
                case WglSearch.Outcome.Linearizable l -> steps += l.steps();
                case WglSearch.Outcome.Undecided u -> {
                    steps += u.steps();
                    undecided.add("key " + p.getKey() + ": undecided after " + u.steps() + " search steps ("
                            + ops.size() + " operations)");
                }
                case WglSearch.Outcome.NotLinearizable v -> {
                    steps += v.steps();
                    violations.add("key " + p.getKey() + " is not linearizable: " + v.explanation());
                }
            }
        }
        return new Verdict(
                "linearizability",
                violations,
                undecided,
                Map.of(
                        "keys",
                        (long) partitions.size(),
                        "operations",
                        operations,
                        "keys-undecided",
                        (long) undecided.size(),
                        "unseen-unknown-writes-left-out",
                        leftOut,
                        "search-steps",
                        steps));
    }

    private static boolean takesPart(Operation op) {
        if (op.outcome() == Operation.Outcome.FAILED) {
            return false;
        }
        // an unanswered read has no effect and says nothing
        return op.isWrite()
                || (op.outcome() == Operation.Outcome.OK && op.consistency() == Operation.Consistency.LINEARIZABLE);
    }
}
