package io.armada.testkit.check;

import io.armada.testkit.history.History;
import io.armada.testkit.history.Operation;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Checks a history against Armada's revision promises, table by table. Every command a table's
 * Raft group applies is one revision (its log index), a failed compare-and-set's too, and every
 * node, follower clusters' included, applies them in the same order. So:
 *
 * <ol>
 *   <li>no two acknowledged writes share a revision;
 *   <li>revisions follow real time: a write sent after an answer at revision R came back (a
 *       write's, or a read's: the read's state was committed by then) has a revision above R, and
 *       a linearizable read sent after such an answer reads at R or later;
 *   <li>replaying each key's acknowledged changes in revision order gives, at every read's
 *       revision, exactly what the read returned: the value the write at the read's mod revision
 *       wrote, no acknowledged change of the key between that and the read's revision, or, for an
 *       absent key, no put since the last delete — so no read invents a value, misattributes one,
 *       misses an acknowledged write, or sees an acknowledged delete undone. A write that may or
 *       may not have happened (UNKNOWN) may explain a value (at a revision no acknowledged write
 *       has, the same for every read of it) or an absence;
 *   <li>one client never sees a table's revision go backwards through one cluster (or node: the
 *       {@link Operation#cluster()} label the history recorded).
 * </ol>
 */
public final class RevisionChecker {
    private RevisionChecker() {}

    public static Verdict check(History history) {
        List<String> violations = new ArrayList<>();
        Map<String, List<Operation>> byTable = new TreeMap<>();
        for (Operation op : history.operations()) {
            if (op.outcome() == Operation.Outcome.OK || (op.isWrite() && op.outcome() == Operation.Outcome.UNKNOWN)) {
                byTable.computeIfAbsent(op.table(), t -> new ArrayList<>()).add(op);
            }
        }
        long writes = 0;
        long reads = 0;
        for (List<Operation> ops : byTable.values()) {
            List<Operation> acknowledged = ops.stream()
                    .filter(o -> o.isWrite() && o.outcome() == Operation.Outcome.OK)
                    .toList();
            List<Operation> answeredReads =
                    ops.stream().filter(o -> o.kind() == Operation.Kind.READ).toList();
            writes += acknowledged.size();
            reads += answeredReads.size();
            uniqueRevisions(acknowledged, violations);
            TableReplay replay = new TableReplay(ops);
            answeredReads.forEach(r -> replay.check(r, violations));
            realTimeOrder(acknowledged, answeredReads, replay.inferredWrites(), violations);
            monotonicPerClient(answeredReads, violations);
        }
        return new Verdict(
                "revisions",
                violations,
                List.of(),
                Map.of(
                        "operations",
                        (long) history.operations().size(),
                        "acknowledged-writes",
                        writes,
                        "reads-checked",
                        reads));
    }

    private static void uniqueRevisions(List<Operation> writes, List<String> violations) {
        Map<Long, Operation> seen = new HashMap<>();
        for (Operation w : writes) {
            Operation other = seen.putIfAbsent(w.revision(), w);
            if (other != null) {
                violations.add("revision " + w.revision() + " acknowledged twice: " + other + " and " + w);
            }
        }
    }

    /**
     * Sweeps the operations by invocation, keeping the answer with the highest revision among
     * those completed before: one pass instead of comparing every pair.
     *
     * @param inferred UNKNOWN writes with the revision reads gave them (they were applied, so they
     *     obey the rule too; when they completed is unknown, so they bound nothing later)
     */
    private static void realTimeOrder(
            List<Operation> writes, List<Operation> reads, List<Operation> inferred, List<String> violations) {
        List<Operation> answers = new ArrayList<>(writes);
        answers.addAll(reads);
        answers.sort(Comparator.comparingLong(Operation::completeNanos));
        List<Operation> bounded = new ArrayList<>(writes);
        bounded.addAll(inferred);
        reads.stream()
                .filter(r -> r.consistency() == Operation.Consistency.LINEARIZABLE)
                .forEach(bounded::add);
        bounded.sort(Comparator.comparingLong(Operation::invokeNanos));
        Operation highest = null;
        int next = 0;
        for (Operation b : bounded) {
            while (next < answers.size() && answers.get(next).completeNanos() < b.invokeNanos()) {
                Operation a = answers.get(next++);
                if (highest == null || a.revision() > highest.revision()) {
                    highest = a;
                }
            }
            if (highest == null) {
                continue;
            }
            if (b.isWrite() && highest.revision() >= b.revision()) {
                violations.add("revision order contradicts real time: " + highest + " came back before " + b
                        + " was sent, yet " + b + " has no higher revision");
            } else if (!b.isWrite() && highest.revision() > b.revision()) {
                violations.add("linearizable read at revision " + b.revision() + " sent after " + highest
                        + " came back at a higher one: " + b);
            }
        }
    }

    /** A client sends one operation at a time, so its reads in invocation order are the order it saw them. */
    private static void monotonicPerClient(List<Operation> reads, List<String> violations) {
        Map<String, Operation> lastSeen = new HashMap<>();
        reads.stream().sorted(Comparator.comparingLong(Operation::invokeNanos)).forEach(r -> {
            String who = r.process() + "@" + r.cluster();
            Operation before = lastSeen.get(who);
            if (before != null && r.revision() < before.revision()) {
                violations.add("client " + r.process() + " saw revision " + r.revision() + " through " + r.cluster()
                        + " after it had seen " + before.revision() + ": " + before + " then " + r);
            }
            if (before == null || r.revision() > before.revision()) {
                lastSeen.put(who, r);
            }
        });
    }
}
