package io.armada.testkit.check;

import io.armada.testkit.history.History;
import io.armada.testkit.history.Operation;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Linearizability of the writes and linearizable reads of a history, key by key (a history is
 * linearizable when each key's part is: P-compositionality), by the Wing & Gong search with Lowe's
 * memoization of (linearized set, register state), as porcupine does. The model is one register
 * per key holding a value (or nothing) and its mod revision. A write that may or may not have
 * happened (UNKNOWN) has no end: the search may place it anywhere after its start, or never.
 * Serializable reads take no part (they may be stale by design; the revision checker covers them).
 * UNKNOWN puts and compare-and-sets whose (unique) value no read returned are mostly left out
 * before the search (see {@link #dropUnobservedUnknownWrites}): each one kept multiplies the orders
 * to search, and leaving one out is always an allowed outcome.
 */
public final class LinearizabilityChecker {
    public static final long DEFAULT_STEP_LIMIT = 5_000_000;

    private final long stepLimit;

    public LinearizabilityChecker(long stepLimit) {
        this.stepLimit = stepLimit;
    }

    /**
     * Leaves out UNKNOWN puts and compare-and-sets whose value no read returned, but for the
     * earliest k of them, k being the number of acknowledged compare-and-sets: such a write can
     * still explain a comparison's outcome (its only visible effect is that the key exists with an
     * unseen value), and the earliest ones can be placed wherever later ones could.
     */
    private static void dropUnobservedUnknownWrites(List<Operation> ops, Set<String> seen) {
        long keep = ops.stream().filter(o -> o.kind() == Operation.Kind.CAS && o.outcome() == Operation.Outcome.OK).count();
        List<Operation> unobserved = ops.stream().filter(o -> o.outcome() == Operation.Outcome.UNKNOWN
                && o.kind() != Operation.Kind.DELETE && !seen.contains(o.value()))
                .sorted(Comparator.comparingLong(Operation::invokeNanos)).toList();
        Set<Operation> dropped = new HashSet<>(unobserved.subList((int) Math.min(keep, unobserved.size()), unobserved.size()));
        ops.removeIf(dropped::contains);
    }

    /** The register: a value (null: absent) and its mod revision (-1: written by an operation whose revision is unknown). */
    private record State(String value, long modRevision) {}

    public Verdict check(History history) {
        Map<String, List<Operation>> partitions = new LinkedHashMap<>();
        for (Operation op : history.operations()) {
            boolean takesPart = op.isWrite() ? op.outcome() != Operation.Outcome.FAILED
                    : op.outcome() == Operation.Outcome.OK && op.consistency() == Operation.Consistency.LINEARIZABLE;
            if (takesPart) {
                partitions.computeIfAbsent(op.table() + "/" + op.key(), k -> new ArrayList<>()).add(op);
            }
        }
        List<String> violations = new ArrayList<>();
        long undecided = 0;
        long operations = 0;
        long unobserved = 0;
        Map<String, Set<String>> seen = new HashMap<>(); // values any read returned, linearizable or not
        for (Operation op : history.operations()) {
            if (op.kind() == Operation.Kind.READ && op.outcome() == Operation.Outcome.OK && op.readValue() != null) {
                seen.computeIfAbsent(op.table() + "/" + op.key(), k -> new HashSet<>()).add(op.readValue());
            }
        }
        for (Map.Entry<String, List<Operation>> p : partitions.entrySet()) {
            int before = p.getValue().size();
            dropUnobservedUnknownWrites(p.getValue(), seen.getOrDefault(p.getKey(), Set.of()));
            unobserved += before - p.getValue().size();
            operations += p.getValue().size();
            Result r = new Search(p.getValue(), stepLimit).run();
            if (r == Result.UNDECIDED) {
                undecided++;
            } else if (r instanceof Result.Violation v) {
                violations.add("key " + p.getKey() + " is not linearizable: " + v.explanation());
            }
        }
        return new Verdict("linearizability", violations.isEmpty(), undecided == 0, violations,
                Map.of("keys", (long) partitions.size(), "operations", operations, "keys-undecided", undecided,
                        "unknown-writes-never-read", unobserved));
    }

    private sealed interface Result {
        Result OK = new Ok();
        Result UNDECIDED = new Undecided();

        record Ok() implements Result {}

        record Undecided() implements Result {}

        record Violation(String explanation) implements Result {}
    }

    /** One key's search. */
    private static final class Search {
        /** A call or return event in a doubly linked list that the search lifts entries out of and puts back. */
        private static final class Node {
            final int op;
            final boolean call;
            Node match;
            Node prev;
            Node next;

            Node(int op, boolean call) {
                this.op = op;
                this.call = call;
            }
        }

        private final List<Operation> ops;
        private final long stepLimit;
        private final Node head = new Node(-1, false);

        Search(List<Operation> ops, long stepLimit) {
            this.ops = ops;
            this.stepLimit = stepLimit;
            record Event(long time, int op, boolean call) {}
            List<Event> events = new ArrayList<>();
            for (int i = 0; i < ops.size(); i++) {
                Operation o = ops.get(i);
                events.add(new Event(o.invokeNanos(), i, true));
                long end = o.outcome() == Operation.Outcome.OK ? o.completeNanos() : Long.MAX_VALUE;
                events.add(new Event(end, i, false));
            }
            // calls before returns at equal times: operations that touch in time count as concurrent
            events.sort(Comparator.comparingLong(Event::time).thenComparing(e -> !e.call()));
            Node[] calls = new Node[ops.size()];
            Node tail = head;
            for (Event e : events) {
                Node n = new Node(e.op(), e.call());
                if (e.call()) {
                    calls[e.op()] = n;
                } else {
                    n.match = calls[e.op()];
                    calls[e.op()].match = n;
                }
                tail.next = n;
                n.prev = tail;
                tail = n;
            }
        }

        /** The state after {@code op}, or null if {@code op} cannot take effect in {@code s}. */
        private State step(State s, Operation op) {
            boolean known = op.outcome() == Operation.Outcome.OK;
            long revision = known ? op.revision() : -1;
            return switch (op.kind()) {
                case PUT -> new State(op.value(), revision);
                case DELETE -> new State(null, 0);
                case CAS -> {
                    boolean holds = s.modRevision() == -1 || s.modRevision() == op.expectedModRevision();
                    boolean fails = s.modRevision() == -1 || s.modRevision() != op.expectedModRevision();
                    if (!known) {
                        yield holds ? new State(op.value(), -1) : s; // an unknown CAS whose comparison fails is a no-op
                    }
                    if (op.casSucceeded()) {
                        yield holds ? new State(op.value(), revision) : null;
                    }
                    yield fails ? s : null;
                }
                case READ -> Objects.equals(s.value(), op.readValue()) && (s.modRevision() == -1
                        || op.readValue() == null || s.modRevision() == op.readModRevision()) ? s : null;
            };
        }

        private static void lift(Node call) {
            call.prev.next = call.next;
            if (call.next != null) {
                call.next.prev = call.prev;
            }
            Node ret = call.match;
            ret.prev.next = ret.next;
            if (ret.next != null) {
                ret.next.prev = ret.prev;
            }
        }

        private static void unlift(Node call) {
            Node ret = call.match;
            ret.prev.next = ret;
            if (ret.next != null) {
                ret.next.prev = ret;
            }
            call.prev.next = call;
            if (call.next != null) {
                call.next.prev = call;
            }
        }

        private record Memo(BitSet linearized, State state) {}

        private record Frame(Node call, State before) {}

        Result run() {
            int mustLinearize = (int) ops.stream().filter(o -> o.outcome() == Operation.Outcome.OK).count();
            int linearizedOk = 0;
            BitSet linearized = new BitSet(ops.size());
            Set<Memo> seen = new HashSet<>();
            Deque<Frame> stack = new ArrayDeque<>();
            State state = new State(null, 0);
            int longest = 0;
            Node entry = head.next;
            for (long steps = 0; linearizedOk < mustLinearize; steps++) {
                if (steps > stepLimit) {
                    return Result.UNDECIDED;
                }
                if (entry == null) {
                    return Result.UNDECIDED; // unreachable: every OK operation has a return to stop at
                }
                if (entry.call) {
                    Operation op = ops.get(entry.op);
                    State after = step(state, op);
                    if (after != null) {
                        BitSet next = (BitSet) linearized.clone();
                        next.set(entry.op);
                        if (seen.add(new Memo(next, after))) {
                            stack.push(new Frame(entry, state));
                            state = after;
                            linearized = next;
                            if (op.outcome() == Operation.Outcome.OK) {
                                linearizedOk++;
                            }
                            longest = Math.max(longest, stack.size());
                            lift(entry);
                            entry = head.next;
                            continue;
                        }
                    }
                    entry = entry.next;
                } else {
                    // an operation returned before it could be placed: undo the last placement
                    if (stack.isEmpty()) {
                        return new Result.Violation("no order of the operations explains the results; "
                                + "the search placed at most " + longest + " of " + ops.size()
                                + " operations, and could not place " + ops.get(entry.op) + " before it returned");
                    }
                    Frame f = stack.pop();
                    state = f.before();
                    linearized.clear(f.call().op);
                    if (ops.get(f.call().op).outcome() == Operation.Outcome.OK) {
                        linearizedOk--;
                    }
                    unlift(f.call());
                    entry = f.call().next;
                }
            }
            return Result.OK;
        }
    }
}
