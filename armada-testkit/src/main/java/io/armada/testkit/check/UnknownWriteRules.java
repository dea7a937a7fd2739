package io.armada.testkit.check;

import io.armada.testkit.history.Operation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where {@link WglSearch} may place the UNKNOWN writes of one partition. Such a write may be
 * placed anywhere after its call, or nowhere, so a partition with many of them has far more orders
 * than answered operations alone; these rules cut the orders to try without changing a verdict,
 * each because any valid order can be rewritten into one that obeys it.
 *
 * <ol>
 *   <li><b>Deadline.</b> A write whose (unique) value a read returned took effect before that read
 *       did, so it must be placed before the first such read completes.
 *   <li><b>Something must look.</b> An UNKNOWN write is followed by a read or a compare-and-set.
 *       A put or delete right after it overwrites it unseen, so the order without it is valid too
 *       (it may not have happened). Unless the write is a delete, an unseen UNKNOWN
 *       compare-and-set is not allowed next either: after the write the revision is unknown, so
 *       that compare-and-set holds, and leaves a value no read returns at an unknown revision,
 *       which allows nothing the state before it did not; so it can be left out instead. After a
 *       delete the revision is known (absent), and the compare-and-set may be what makes the key
 *       exist again.
 *   <li><b>Interchangeable writes in order.</b> Unseen UNKNOWN writes (puts and compare-and-sets
 *       no read saw) leave the same state wherever they are placed: a value no read returns, at an
 *       unknown revision. So do UNKNOWN deletes: absent. They form chains — the unseen puts; the
 *       unseen compare-and-sets expecting one revision; the deletes — and the search places only
 *       the earliest-sent unplaced write of a chain. In a valid order the chain's writes used can
 *       be swapped for the earliest-sent ones, the i-th placed for the i-th sent: i of them were
 *       sent by the i-th placement, and none has an answer to come before.
 * </ol>
 *
 * <p>(An unseen put can also stand in for an unseen compare-and-set at the same place, since a
 * put always takes effect; but not the other way round, so placing compare-and-sets only after
 * the puts sent before them would be wrong when those puts are needed later. {@link Explored}
 * uses the one-way substitution instead.)
 */
final class UnknownWriteRules {
    private static final int NONE = -1;

    private final List<Operation> ops;
    private final boolean[] unknownWrite;
    private final boolean[] unseen;
    private final long[] deadline;
    private final int[] chainOf;
    private final int chains;
    /** The chain of unseen puts, or -1. */
    private final int putChain;
    /** The chains of unseen compare-and-sets (one per expected revision). */
    private final boolean[] casChain;
    /** The write sent just before, in the same chain. */
    private final int[] previousInChain;
    /** Each chain's writes, by when sent. */
    private final int[][] members;

    UnknownWriteRules(List<Operation> ops) {
        this.ops = ops;
        int n = ops.size();
        Map<String, Long> firstReadBack = new HashMap<>();
        for (Operation o : ops) {
            if (o.kind() == Operation.Kind.READ && o.readValue() != null) {
                firstReadBack.merge(o.readValue(), o.completeNanos(), Math::min);
            }
        }
        unknownWrite = new boolean[n];
        unseen = new boolean[n];
        deadline = new long[n];
        for (int i = 0; i < n; i++) {
            Operation o = ops.get(i);
            unknownWrite[i] = o.isWrite() && o.outcome() == Operation.Outcome.UNKNOWN;
            Long readBack = o.value() == null ? null : firstReadBack.get(o.value());
            unseen[i] = unknownWrite[i] && o.kind() != Operation.Kind.DELETE && readBack == null;
            // a value read back before its write was even sent leaves a zero-length interval: the read then fails
            deadline[i] = !unknownWrite[i] || readBack == null ? Long.MAX_VALUE : Math.max(readBack, o.invokeNanos());
        }
        Map<String, List<Integer>> byChain = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            String chain = chainName(i);
            if (chain != null) {
                byChain.computeIfAbsent(chain, c -> new ArrayList<>()).add(i);
            }
        }
        chains = byChain.size();
        putChain = new ArrayList<>(byChain.keySet()).indexOf("put");
        casChain = new boolean[chains];
        members = new int[chains][];
        chainOf = new int[n];
        previousInChain = new int[n];
        Arrays.fill(chainOf, NONE);
        Arrays.fill(previousInChain, NONE);
        Comparator<Integer> sent = Comparator.comparingLong(
                        (Integer i) -> ops.get(i).invokeNanos())
                .thenComparing(i -> i);
        int c = 0;
        for (List<Integer> chain : byChain.values()) {
            chain.sort(sent);
            casChain[c] = ops.get(chain.get(0)).kind() == Operation.Kind.CAS;
            members[c] = chain.stream().mapToInt(Integer::intValue).toArray();
            for (int k = 0; k < chain.size(); k++) {
                chainOf[chain.get(k)] = c;
                previousInChain[chain.get(k)] = k == 0 ? NONE : chain.get(k - 1);
            }
            c++;
        }
    }

    private String chainName(int i) {
        Operation o = ops.get(i);
        if (!unknownWrite[i]) {
            return null;
        }
        if (o.kind() == Operation.Kind.DELETE) {
            return "delete";
        }
        if (!unseen[i]) {
            return null;
        }
        return o.kind() == Operation.Kind.PUT ? "put" : "cas expecting " + o.expectedModRevision();
    }

    /** When {@code op} must have taken effect by: its completion if answered, else the first read of its value, else never. */
    long returnTime(int op) {
        Operation o = ops.get(op);
        return o.outcome() == Operation.Outcome.OK ? o.completeNanos() : deadline[op];
    }

    boolean isUnknownWrite(int op) {
        return unknownWrite[op];
    }

    /** An UNKNOWN put or compare-and-set no read of the partition saw: it leaves {@link Register#UNREADABLE}. */
    boolean isUnseen(int op) {
        return unseen[op];
    }

    int chains() {
        return chains;
    }

    /** The write of {@code chain} placed after the first {@code placed} of it, or -1 if none is left. */
    int nextInChain(int chain, int placed) {
        return placed < members[chain].length ? members[chain][placed] : NONE;
    }

    /** The chain of interchangeable writes {@code op} belongs to, or -1. */
    int chainOf(int op) {
        return chainOf[op];
    }

    /**
     * Whether a configuration that placed {@code fewer} of the chains can do whatever one that
     * placed {@code more} can (everything else being equal): it has no fewer of each chain left,
     * earlier-sent ones at that, except that a compare-and-set chain may be short by some, as long
     * as it kept that many more unseen puts, which can stand in for them.
     */
    boolean leavesAtLeastAsMuch(int[] fewer, int[] more) {
        int casShortfall = 0;
        for (int c = 0; c < chains; c++) {
            if (casChain[c]) {
                casShortfall += Math.max(0, fewer[c] - more[c]);
            } else if (fewer[c] > more[c]) {
                return false;
            }
        }
        return casShortfall == 0 || (putChain >= 0 && casShortfall <= more[putChain] - fewer[putChain]);
    }

    /** Rule 3: whether {@code op} is next in line in its chain, given the writes already placed. */
    boolean isTurnOf(int op, BitSet placed) {
        return previousInChain[op] == NONE || placed.get(previousInChain[op]);
    }

    /** Rule 2: whether {@code next} may come right after {@code previous} (-1: at the start). */
    boolean mayFollow(int previous, int next) {
        if (previous == NONE || !unknownWrite[previous]) {
            return true;
        }
        Operation.Kind kind = ops.get(next).kind();
        return kind == Operation.Kind.READ
                || (kind == Operation.Kind.CAS
                        && (!unseen[next] || ops.get(previous).kind() == Operation.Kind.DELETE));
    }
}
