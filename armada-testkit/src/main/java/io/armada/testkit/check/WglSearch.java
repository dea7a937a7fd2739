package io.armada.testkit.check;

import io.armada.testkit.history.Operation;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Wing & Gong's search for a linearization of one partition (one key), with Lowe's memoization:
 * a (set of operations placed, register) pair already explored is never explored again, which is
 * what makes the search practical (porcupine does the same). The history is a list of call and
 * return entries in time order; the search places the first call it can, lifting its call and
 * return out of the list, and backtracks when it meets the return of an operation not yet placed.
 * An UNKNOWN operation's return lies at the end of time, so it may be placed anywhere after its
 * call; it need not be placed at all, since the search ends once every answered one is.
 */
final class WglSearch {
    /** What the search concluded about one partition. */
    sealed interface Outcome {
        record Linearizable(long steps) implements Outcome {}

        /** The step limit ran out first: neither shown linearizable nor shown not to be. */
        record Undecided(long steps) implements Outcome {}

        /**
         * @param longestPrefix the longest sequence of operations the search could place, in order
         * @param registerAfterPrefix the register after that sequence
         * @param candidates the operations that could have gone next, none of which led to a full order
         * @param overdue the operation whose return came before it could be placed
         */
        record NotLinearizable(int operations, List<Operation> longestPrefix, Register registerAfterPrefix,
                List<Operation> candidates, Operation overdue) implements Outcome {
            private static final int SHOWN = 8;

            String explanation() {
                List<Operation> tail = longestPrefix.subList(Math.max(0, longestPrefix.size() - SHOWN), longestPrefix.size());
                return "no order of its " + operations + " operations explains their results. The longest linearizable"
                        + " prefix places " + longestPrefix.size() + (tail.size() < longestPrefix.size()
                                ? ", ending with " : ": ") + list(tail) + "; the key is then " + registerAfterPrefix
                        + ". None of the operations that may come next leads to a full order: "
                        + list(candidates.subList(0, Math.min(SHOWN, candidates.size())))
                        + (candidates.size() > SHOWN ? " and " + (candidates.size() - SHOWN) + " more" : "")
                        + "; " + overdue + " completed without a place";
            }

            private static String list(List<Operation> ops) {
                return ops.isEmpty() ? "(none)" : String.join(", ", ops.stream().map(Operation::toString).toList());
            }
        }
    }

    /** A call or return entry in a doubly linked list that the search lifts entries out of and puts back. */
    private static final class Entry {
        final int op;
        final boolean call;
        Entry match;
        Entry prev;
        Entry next;

        Entry(int op, boolean call) {
            this.op = op;
            this.call = call;
        }
    }

    private record Memo(BitSet placed, Register register) {}

    private record Frame(Entry call, Register before) {}

    private final List<Operation> ops;
    private final long stepLimit;
    private final Entry head = new Entry(-1, false);

    private WglSearch(List<Operation> ops, long stepLimit) {
        this.ops = ops;
        this.stepLimit = stepLimit;
        record Event(long time, int op, boolean call) {}
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
            Operation o = ops.get(i);
            events.add(new Event(o.invokeNanos(), i, true));
            events.add(new Event(o.outcome() == Operation.Outcome.OK ? o.completeNanos() : Long.MAX_VALUE, i, false));
        }
        // calls before returns at equal times: operations that touch in time count as concurrent
        events.sort(Comparator.comparingLong(Event::time).thenComparing(e -> !e.call()));
        Entry[] calls = new Entry[ops.size()];
        Entry tail = head;
        for (Event e : events) {
            Entry n = new Entry(e.op(), e.call());
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

    /** Searches {@code ops} (one partition: answered writes and reads, UNKNOWN writes) within {@code stepLimit} steps. */
    static Outcome run(List<Operation> ops, long stepLimit) {
        return new WglSearch(ops, stepLimit).search();
    }

    private Outcome search() {
        int mustPlace = (int) ops.stream().filter(o -> o.outcome() == Operation.Outcome.OK).count();
        int answeredPlaced = 0;
        BitSet placed = new BitSet(ops.size());
        Set<Memo> explored = new HashSet<>();
        Deque<Frame> stack = new ArrayDeque<>();
        Register register = Register.ABSENT;
        Outcome.NotLinearizable deepest = null;
        Entry entry = head.next;
        long steps = 0;
        while (answeredPlaced < mustPlace) {
            if (++steps > stepLimit) {
                return new Outcome.Undecided(stepLimit);
            }
            if (entry == null) {
                throw new IllegalStateException("the search ran past every return; an answered operation has none");
            }
            if (entry.call) {
                Operation op = ops.get(entry.op);
                Register after = register.after(op);
                if (after != null) {
                    // the memo key is a copy: the working set changes as the search goes on
                    BitSet key = (BitSet) placed.clone();
                    key.set(entry.op);
                    if (explored.add(new Memo(key, after))) {
                        stack.push(new Frame(entry, register));
                        placed.set(entry.op);
                        register = after;
                        if (op.outcome() == Operation.Outcome.OK) {
                            answeredPlaced++;
                        }
                        lift(entry);
                        entry = head.next;
                        continue;
                    }
                }
                entry = entry.next;
            } else {
                // entry's operation returned before the search could place it: undo the last placement
                if (deepest == null || stack.size() > deepest.longestPrefix().size()) {
                    deepest = snapshot(stack, register, entry);
                }
                if (stack.isEmpty()) {
                    return deepest;
                }
                Frame f = stack.pop();
                register = f.before();
                placed.clear(f.call().op);
                if (ops.get(f.call().op).outcome() == Operation.Outcome.OK) {
                    answeredPlaced--;
                }
                unlift(f.call());
                entry = f.call().next;
            }
        }
        return new Outcome.Linearizable(steps);
    }

    /** Where the search is stuck: the placed prefix, and the calls before the overdue return that all failed. */
    private Outcome.NotLinearizable snapshot(Deque<Frame> stack, Register register, Entry overdue) {
        List<Operation> prefix = new ArrayList<>(stack.size());
        for (Iterator<Frame> it = stack.descendingIterator(); it.hasNext(); ) {
            prefix.add(ops.get(it.next().call().op));
        }
        List<Operation> candidates = new ArrayList<>();
        for (Entry e = head.next; e != overdue; e = e.next) {
            if (e.call) {
                candidates.add(ops.get(e.op));
            }
        }
        return new Outcome.NotLinearizable(ops.size(), List.copyOf(prefix), register, List.copyOf(candidates),
                ops.get(overdue.op));
    }

    private static void lift(Entry call) {
        call.prev.next = call.next;
        if (call.next != null) {
            call.next.prev = call.prev;
        }
        Entry ret = call.match;
        ret.prev.next = ret.next;
        if (ret.next != null) {
            ret.next.prev = ret.prev;
        }
    }

    private static void unlift(Entry call) {
        Entry ret = call.match;
        ret.prev.next = ret;
        if (ret.next != null) {
            ret.next.prev = ret;
        }
        call.prev.next = call;
        if (call.next != null) {
            call.next.prev = call;
        }
    }
}
