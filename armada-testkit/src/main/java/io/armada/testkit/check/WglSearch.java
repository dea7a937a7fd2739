package io.armada.testkit.check;

import io.armada.testkit.history.Operation;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;

/**
 * Wing & Gong's search for a linearization of one partition (one key), with Lowe's memoization:
 * a configuration (operations placed, register) already explored is never explored again, which
 * is what makes the search practical (porcupine does the same). The history is a list of call and
 * return entries in time order; the search places the first call it can, lifting its call and
 * return out of the list, and backtracks when it meets the return of an operation not yet placed.
 * An UNKNOWN write's return lies at the end of time (or at the first read of its value), so it may
 * be placed anywhere after its call; it need not be placed at all, since the search ends once
 * every answered operation is. {@link UnknownWriteRules} and {@link Explored} keep those writes
 * from multiplying the orders to try.
 */
final class WglSearch {
    /** What the search concluded about one partition. */
    sealed interface Outcome {
        record Linearizable(long steps) implements Outcome {}

        /** The step limit ran out first: neither shown linearizable nor shown not to be. */
        record Undecided(long steps) implements Outcome {}

        /**
         * No order of the operations respects both their real-time order and the register's rules.
         *
         * @param longestPrefix the longest sequence of operations the search could place, in order
         * @param registerAfterPrefix the register after that sequence
         * @param candidates the operations that could have gone next, none of which led to a full order
         * @param overdue the operation whose return came before it could be placed
         */
        record NotLinearizable(
                int operations,
                List<Operation> longestPrefix,
                Register registerAfterPrefix,
                List<Operation> candidates,
                Operation overdue,
                long steps)
                implements Outcome {
            private static final int SHOWN = 8;

            NotLinearizable withSteps(long steps) {
                return new NotLinearizable(operations, longestPrefix, registerAfterPrefix, candidates, overdue, steps);
            }

            String explanation() {
                List<Operation> tail =
                        longestPrefix.subList(Math.max(0, longestPrefix.size() - SHOWN), longestPrefix.size());
                return "no order of its " + operations + " operations explains their results. The longest linearizable"
                        + " prefix places " + longestPrefix.size()
                        + (tail.size() < longestPrefix.size() ? ", ending with " : ": ") + list(tail)
                        + "; the key is then " + registerAfterPrefix
                        + ". None of the operations that may come next leads to a full order: "
                        + list(candidates.subList(0, Math.min(SHOWN, candidates.size())))
                        + (candidates.size() > SHOWN ? " and " + (candidates.size() - SHOWN) + " more" : "")
                        + "; " + overdue + " completed without a place";
            }

            private static String list(List<Operation> ops) {
                return ops.isEmpty()
                        ? "(none)"
                        : String.join(
                                ", ", ops.stream().map(Operation::toString).toList());
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

    /**
     * A placement to undo: the operation, its call entry (null for a chain's write, which is not
     * in the list), the register before it, and for a chain's write, which chain and the return
     * that bounded the candidates then.
     */
    private record Frame(int op, Entry call, Register before, int chain, Entry blocking) {}

    private final List<Operation> ops;
    private final long stepLimit;
    private final UnknownWriteRules unknown;
    private final Entry head = new Entry(-1, false);

    private WglSearch(List<Operation> ops, long stepLimit) {
        this.ops = ops;
        this.stepLimit = stepLimit;
        this.unknown = new UnknownWriteRules(ops);
        record Event(long time, int op, boolean call) {}
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
            if (unknown.chainOf(i) < 0) { // a chain's writes have no return to respect: they stay out of the list
                events.add(new Event(ops.get(i).invokeNanos(), i, true));
                events.add(new Event(unknown.returnTime(i), i, false));
            }
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

    /** What is placed: all operations, those outside chains of interchangeable writes, and how many of each chain. */
    private final class Placement {
        final BitSet all = new BitSet(ops.size());
        final BitSet unchained = new BitSet(ops.size());
        final int[] chainCounts = new int[unknown.chains()];

        void set(int op, boolean placed) {
            all.set(op, placed);
            int chain = unknown.chainOf(op);
            if (chain < 0) {
                unchained.set(op, placed);
            } else {
                chainCounts[chain] += placed ? 1 : -1;
            }
        }
    }

    private Outcome search() {
        int mustPlace = (int)
                ops.stream().filter(o -> o.outcome() == Operation.Outcome.OK).count();
        int answeredPlaced = 0;
        Placement placed = new Placement();
        Explored explored = new Explored(unknown);
        Deque<Frame> stack = new ArrayDeque<>();
        Register register = Register.ABSENT;
        Outcome.NotLinearizable deepest = null;
        // Candidates come in two passes: first the calls in the list, up to the first return (the
        // operation that must be placed before any later one can), then the next write of each
        // chain of interchangeable UNKNOWN writes sent by then. Placing those writes only when
        // nothing else leads on means the configurations that fail first are those with few of
        // them placed, and a failure with few placed rules out the same configuration with more
        // (Explored); the other way round, it would rule out nothing.
        Entry entry = head.next;
        Entry blocking = null; // during the second pass: the return that ended the first
        int nextChain = -1; // during the second pass: the chain to try next
        long steps = 0;
        while (answeredPlaced < mustPlace) {
            if (++steps > stepLimit) {
                return new Outcome.Undecided(stepLimit);
            }
            int op;
            if (blocking == null) {
                if (entry == null) {
                    throw new IllegalStateException("the search ran past every return; an answered operation has none");
                }
                if (!entry.call) {
                    blocking = entry;
                    nextChain = 0;
                    continue;
                }
                op = entry.op;
            } else if (nextChain < unknown.chains()) {
                op = unknown.nextInChain(nextChain, placed.chainCounts[nextChain]);
                nextChain++;
                if (op < 0 || ops.get(op).invokeNanos() > unknown.returnTime(blocking.op)) {
                    continue; // the chain is used up, or its next write was sent after the operation that must come
                    // first
                }
            } else {
                // nothing leads on from here: undo the last placement
                if (deepest == null || stack.size() > deepest.longestPrefix().size()) {
                    deepest = snapshot(stack, register, blocking);
                }
                if (stack.isEmpty()) {
                    return deepest.withSteps(steps);
                }
                Frame f = stack.pop();
                explored.failed(placed.unchained, placed.chainCounts, register, unknown.isUnknownWrite(f.op()));
                register = f.before();
                placed.set(f.op(), false);
                if (ops.get(f.op()).outcome() == Operation.Outcome.OK) {
                    answeredPlaced--;
                }
                if (f.call() != null) {
                    unlift(f.call());
                    entry = f.call().next;
                    blocking = null;
                } else {
                    blocking = f.blocking();
                    nextChain = f.chain() + 1;
                }
                continue;
            }
            Register after = place(op, stack.isEmpty() ? -1 : stack.peek().op(), placed, explored, register);
            if (after != null) {
                Frame f = blocking == null
                        ? new Frame(op, entry, register, -1, null)
                        : new Frame(op, null, register, nextChain - 1, blocking);
                stack.push(f);
                register = after;
                if (ops.get(op).outcome() == Operation.Outcome.OK) {
                    answeredPlaced++;
                }
                if (f.call() != null) {
                    lift(f.call());
                }
                entry = head.next;
                blocking = null;
            } else if (blocking == null) {
                entry = entry.next;
            }
        }
        return new Outcome.Linearizable(steps);
    }

    /**
     * Tries to place {@code op} after {@code previous} (-1: first): the rules for UNKNOWN writes,
     * the model and the memo must all allow it. If they do, marks it placed and returns the
     * register after it; otherwise null.
     */
    private Register place(int op, int previous, Placement placed, Explored explored, Register register) {
        if (!unknown.isTurnOf(op, placed.all) || !unknown.mayFollow(previous, op)) {
            return null;
        }
        Register after = register.after(ops.get(op));
        if (after == null) {
            return null;
        }
        if (unknown.isUnseen(op)) {
            after = Register.UNREADABLE; // one state for every unseen write: which one it was does not matter
        }
        placed.set(op, true);
        if (!explored.enter(placed.all, placed.unchained, placed.chainCounts, after, unknown.isUnknownWrite(op))) {
            placed.set(op, false);
            return null;
        }
        return after;
    }

    /** Where the search is stuck: the placed prefix, and the calls before the overdue return that all failed. */
    private Outcome.NotLinearizable snapshot(Deque<Frame> stack, Register register, Entry overdue) {
        List<Operation> prefix = new ArrayList<>(stack.size());
        for (Iterator<Frame> it = stack.descendingIterator(); it.hasNext(); ) {
            prefix.add(ops.get(it.next().op()));
        }
        List<Operation> candidates = new ArrayList<>();
        for (Entry e = head.next; e != overdue; e = e.next) {
            if (e.call) {
                candidates.add(ops.get(e.op));
            }
        }
        return new Outcome.NotLinearizable(
                ops.size(), List.copyOf(prefix), register, List.copyOf(candidates), ops.get(overdue.op), 0);
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
