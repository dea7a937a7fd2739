package io.armada.testkit.check;

import io.armada.testkit.history.Operation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One table's acknowledged writes replayed in revision order, against which every read is
 * compared at its own revision: what the read returned must be exactly the key's state there.
 * Revisions are the table's (a Raft index of its group), so a revision belongs to at most one
 * write of the whole table, whatever its key.
 */
final class TableReplay {
    /** Each key's acknowledged changes (put, delete, compare-and-set that held) by revision. */
    private final Map<String, NavigableMap<Long, Operation>> changes = new HashMap<>();
    /** Every acknowledged write of the table by revision, a failed compare-and-set included. */
    private final Map<Long, Operation> byRevision = new HashMap<>();
    /** Each key's writes that may or may not have happened. */
    private final Map<String, List<Operation>> unknown = new HashMap<>();
    /** The revision reads gave each UNKNOWN write's value, and the first read that did. */
    private final Map<String, Operation> attributed = new HashMap<>();

    private final List<Operation> inferred = new ArrayList<>();

    TableReplay(List<Operation> tableOps) {
        for (Operation op : tableOps) {
            if (op.isWrite() && op.outcome() == Operation.Outcome.OK) {
                byRevision.putIfAbsent(op.revision(), op);
            }
            if (op.isAcknowledgedChange()) {
                changes.computeIfAbsent(op.key(), k -> new TreeMap<>()).put(op.revision(), op);
            } else if (op.isWrite() && op.outcome() == Operation.Outcome.UNKNOWN) {
                unknown.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
            }
        }
    }

    /**
     * UNKNOWN writes a read saw, each with the revision that read gave it (as an acknowledged
     * write would have): known only after {@link #check} ran over the reads.
     */
    List<Operation> inferredWrites() {
        return List.copyOf(inferred);
    }

    /** Compares {@code read} (answered) with the replay at its revision; adds what is wrong to {@code violations}. */
    void check(Operation read, List<String> violations) {
        NavigableMap<Long, Operation> keyChanges = changes.getOrDefault(read.key(), new TreeMap<>());
        long at = read.revision();
        if (read.readValue() == null) {
            Map.Entry<Long, Operation> last = keyChanges.floorEntry(at);
            if (last != null && last.getValue().kind() != Operation.Kind.DELETE && !mayHaveBeenDeletedBy(read)) {
                violations.add("read found no value at revision " + at + " but " + last.getValue()
                        + " wrote one there and no delete followed: " + read);
            }
            return;
        }
        long mod = read.readModRevision();
        if (mod <= 0 || mod > at) {
            violations.add("read returned a value with mod revision " + mod + ", outside (0, " + at
                    + "], its own revision: " + read);
            return;
        }
        Operation source = keyChanges.get(mod);
        if (source != null) {
            if (source.kind() == Operation.Kind.DELETE || !Objects.equals(source.value(), read.readValue())) {
                violations.add("read returned " + read.readValue() + "@" + mod + " but the write at that revision is "
                        + source + ": " + read);
                return;
            }
            if (source.invokeNanos() > read.completeNanos()) {
                violations.add("read returned the value of " + source + ", sent after the read completed: " + read);
                return;
            }
        } else if (!explainedByUnknownWrite(read, violations)) {
            return;
        }
        Map.Entry<Long, Operation> missed = keyChanges.higherEntry(mod);
        if (missed != null && missed.getKey() <= at) {
            violations.add("read at revision " + at + " missed " + missed.getValue() + ": " + read);
        }
    }

    /**
     * A value no acknowledged change of the key wrote at its mod revision must be an UNKNOWN
     * write's; the first read of it gives that write its revision, and every later read must agree.
     */
    private boolean explainedByUnknownWrite(Operation read, List<String> violations) {
        long mod = read.readModRevision();
        Operation writer = unknown.getOrDefault(read.key(), List.of()).stream()
                .filter(u -> u.kind() != Operation.Kind.DELETE
                        && Objects.equals(u.value(), read.readValue())
                        && u.invokeNanos() <= read.completeNanos())
                .findFirst()
                .orElse(null);
        Operation first = attributed.get(read.readValue());
        Operation owner = byRevision.get(mod);
        if (writer == null) {
            violations.add("read returned a value no write sent before it completed produced (mod revision " + mod
                    + "): " + read);
            return false;
        }
        if (first != null) {
            if (first.readModRevision() != mod) {
                violations.add("two reads give " + writer + " different revisions: " + first + " and " + read);
                return false;
            }
            return true;
        }
        if (owner != null) {
            violations.add("read returned " + read.readValue() + "@" + mod + " but revision " + mod + " belongs to "
                    + owner + ": " + read);
            return false;
        }
        attributed.put(read.readValue(), read);
        byRevision.put(mod, writer); // from now on the revision is taken, as an acknowledged write's would be
        inferred.add(asAcknowledged(writer, mod));
        return true;
    }

    /** An UNKNOWN delete sent before the read completed (or as it did: touching is concurrent) may explain an absence. */
    private boolean mayHaveBeenDeletedBy(Operation read) {
        return unknown.getOrDefault(read.key(), List.of()).stream()
                .anyMatch(u -> u.kind() == Operation.Kind.DELETE && u.invokeNanos() <= read.completeNanos());
    }

    private static Operation asAcknowledged(Operation u, long revision) {
        return new Operation(
                u.id(),
                u.process(),
                u.kind(),
                u.table(),
                u.key(),
                u.value(),
                u.expectedModRevision(),
                u.consistency(),
                u.cluster(),
                u.invokeNanos(),
                u.completeNanos(),
                u.outcome(),
                revision,
                true,
                null,
                0);
    }
}
