package io.armada.testkit.check;

import io.armada.testkit.history.History;
import io.armada.testkit.history.Operation;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Checks a history against Armada's revision promises, per table. Every revision is a Raft index
 * of the table's group, so: no two acknowledged writes share a revision; a write that completed
 * before another was sent has the smaller revision; replaying the acknowledged changes of a key in
 * revision order gives, at every read's revision, exactly what the read returned (the value, its
 * mod revision, or absence) — so a read never misses an acknowledged write at or below its
 * revision and an acknowledged delete never comes back; and one client never sees a table's
 * revision go backwards through one cluster. Writes that may or may not have happened (UNKNOWN)
 * are allowed to explain a read, at the revision the read reports.
 */
public final class RevisionChecker {
    private RevisionChecker() {}

    public static Verdict check(History history) {
        List<String> violations = new ArrayList<>();
        Map<String, List<Operation>> byTable = new TreeMap<>();
        for (Operation op : history.operations()) {
            if (op.outcome() != Operation.Outcome.FAILED) {
                byTable.computeIfAbsent(op.table(), t -> new ArrayList<>()).add(op);
            }
        }
        long writes = 0;
        long reads = 0;
        for (List<Operation> ops : byTable.values()) {
            List<Operation> acknowledged = ops.stream()
                    .filter(o -> o.isWrite() && o.outcome() == Operation.Outcome.OK).toList();
            writes += acknowledged.size();
            uniqueRevisions(acknowledged, violations);
            realTimeOrder(acknowledged, violations);
            reads += readsMatchReplay(ops, violations);
            monotonicPerClient(ops, violations);
        }
        return new Verdict("revisions", violations, List.of(),
                Map.of("operations", (long) history.operations().size(), "acknowledged-writes", writes, "reads-checked", reads));
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

    /** If A completed before B was invoked, rev(A) < rev(B): checked against the largest revision completed so far. */
    private static void realTimeOrder(List<Operation> writes, List<String> violations) {
        List<Operation> byCompletion = writes.stream().sorted(Comparator.comparingLong(Operation::completeNanos)).toList();
        List<Operation> byInvocation = writes.stream().sorted(Comparator.comparingLong(Operation::invokeNanos)).toList();
        Operation maxCompleted = null;
        int c = 0;
        for (Operation b : byInvocation) {
            while (c < byCompletion.size() && byCompletion.get(c).completeNanos() < b.invokeNanos()) {
                Operation a = byCompletion.get(c++);
                if (maxCompleted == null || a.revision() > maxCompleted.revision()) {
                    maxCompleted = a;
                }
            }
            if (maxCompleted != null && maxCompleted.revision() >= b.revision()) {
                violations.add("revision order contradicts real time: " + maxCompleted + " completed before " + b
                        + " was sent, yet has a revision at least as high");
            }
        }
    }

    /** Replays each key's acknowledged changes and compares every read with the state at its revision. */
    private static long readsMatchReplay(List<Operation> ops, List<String> violations) {
        Map<String, NavigableMap<Long, Operation>> changes = new HashMap<>();
        Map<String, List<Operation>> unknown = new HashMap<>();
        for (Operation op : ops) {
            if (op.isAcknowledgedChange()) {
                changes.computeIfAbsent(op.key(), k -> new TreeMap<>()).put(op.revision(), op);
            } else if (op.isWrite() && op.outcome() == Operation.Outcome.UNKNOWN) {
                unknown.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
            }
        }
        long checked = 0;
        for (Operation r : ops) {
            if (r.kind() != Operation.Kind.READ || r.outcome() != Operation.Outcome.OK) {
                continue;
            }
            checked++;
            NavigableMap<Long, Operation> keyChanges = changes.getOrDefault(r.key(), new TreeMap<>());
            List<Operation> maybe = unknown.getOrDefault(r.key(), List.of());
            Map.Entry<Long, Operation> last = keyChanges.floorEntry(r.revision());
            if (r.readValue() == null) {
                if (last != null && last.getValue().kind() != Operation.Kind.DELETE
                        && maybe.stream().noneMatch(u -> u.kind() == Operation.Kind.DELETE)) {
                    violations.add("read found no value at revision " + r.revision() + " but " + last.getValue()
                            + " wrote one there: " + r);
                }
                continue;
            }
            if (r.readModRevision() > r.revision()) {
                violations.add("read returned a value newer than its own revision: " + r);
                continue;
            }
            Operation source = keyChanges.get(r.readModRevision());
            if (source == null) {
                boolean explained = maybe.stream().anyMatch(u -> u.kind() != Operation.Kind.DELETE
                        && Objects.equals(u.value(), r.readValue()) && u.invokeNanos() < r.completeNanos());
                if (!explained) {
                    violations.add("read returned a value no write produced at mod revision " + r.readModRevision()
                            + ": " + r);
                    continue;
                }
            } else if (source.kind() == Operation.Kind.DELETE || !Objects.equals(source.value(), r.readValue())) {
                violations.add("read returned " + r.readValue() + "@" + r.readModRevision() + " but the write at that"
                        + " revision is " + source + ": " + r);
                continue;
            }
            Map.Entry<Long, Operation> missed = keyChanges.higherEntry(r.readModRevision());
            if (missed != null && missed.getKey() <= r.revision()) {
                violations.add("read at revision " + r.revision() + " missed " + missed.getValue() + ": " + r);
            }
        }
        return checked;
    }

    private static void monotonicPerClient(List<Operation> ops, List<String> violations) {
        Map<String, Operation> lastSeen = new HashMap<>();
        ops.stream().filter(o -> o.kind() == Operation.Kind.READ && o.outcome() == Operation.Outcome.OK)
                .sorted(Comparator.comparingLong(Operation::invokeNanos)).forEach(r -> {
                    String who = r.process() + "@" + r.cluster();
                    Operation before = lastSeen.get(who);
                    if (before != null && r.revision() < before.revision()) {
                        violations.add("client " + r.process() + " saw revision " + r.revision() + " through "
                                + r.cluster() + " after it had seen " + before.revision() + ": " + before + " then " + r);
                    }
                    if (before == null || r.revision() > before.revision()) {
                        lastSeen.put(who, r);
                    }
                });
    }
}
