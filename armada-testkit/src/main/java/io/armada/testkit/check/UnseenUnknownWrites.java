package io.armada.testkit.check;

import io.armada.testkit.history.Operation;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Leaves out of a partition the UNKNOWN puts and compare-and-sets no read of it saw, but for enough of
 * them to keep every verdict. Each one kept multiplies the orders the search has to try, and
 * after a fault a partition may hold hundreds.
 *
 * <p>Why this is sound. Values are unique, so such a write ("unseen") leaves the key holding a
 * value no read returns, with a revision no one knows: a read placed after it fails until
 * something overwrites it. Its only use in an order is to make the next compare-and-set's outcome
 * explainable (an unknown revision may or may not match). So an order that uses unseen writes can
 * keep, before each compare-and-set, only the first unseen write that took effect since the last
 * other write, and move it later to just before the compare-and-set (an UNKNOWN write has no end
 * in time): at most one unseen write per compare-and-set. The ones left out are never needed,
 * because an earlier-sent unseen write can stand in for a later one at the same place — a put
 * for any put, a compare-and-set for one with the same expected revision (it then holds exactly
 * when the other did); a put could also stand in for a compare-and-set, but keeping both kinds
 * is simpler than arguing when. So for n compare-and-sets that look at the key (answered ones,
 * and UNKNOWN ones a read saw), the n earliest unseen puts and the n earliest unseen
 * compare-and-sets of each expected revision are enough.
 */
final class UnseenUnknownWrites {
    private UnseenUnknownWrites() {}

    /**
     * Leaves out the unseen UNKNOWN writes that cannot change the verdict.
     *
     * @param partition one key's operations that take part in the search
     * @return the partition without those writes
     */
    static List<Operation> leaveOut(List<Operation> partition) {
        // only the partition's reads count: a value only a serializable read returned is no more
        // readable in the search than one no read returned
        Set<String> seen = new HashSet<>();
        partition.stream()
                .filter(o -> o.kind() == Operation.Kind.READ && o.readValue() != null)
                .forEach(o -> seen.add(o.readValue()));
        // the compare-and-sets that consult the key: answered ones, and the UNKNOWN ones that stay
        long comparisons = partition.stream()
                .filter(o -> o.kind() == Operation.Kind.CAS
                        && (o.outcome() == Operation.Outcome.OK || seen.contains(o.value())))
                .count();
        Map<Long, List<Operation>> standIns =
                new LinkedHashMap<>(); // puts under a key of their own, CAS by expected revision
        for (Operation o : partition) {
            if (isUnseenUnknownWrite(o, seen)) {
                long group = o.kind() == Operation.Kind.PUT ? Long.MIN_VALUE : o.expectedModRevision();
                standIns.computeIfAbsent(group, g -> new ArrayList<>()).add(o);
            }
        }
        Set<Operation> dropped = new HashSet<>();
        for (List<Operation> group : standIns.values()) {
            group.sort(Comparator.comparingLong(Operation::invokeNanos));
            dropped.addAll(group.subList((int) Math.min(comparisons, group.size()), group.size()));
        }
        return partition.stream().filter(o -> !dropped.contains(o)).toList();
    }

    private static boolean isUnseenUnknownWrite(Operation o, Set<String> seen) {
        return o.outcome() == Operation.Outcome.UNKNOWN
                && (o.kind() == Operation.Kind.PUT || o.kind() == Operation.Kind.CAS)
                && !seen.contains(o.value());
    }
}
