package io.armada.testkit.check;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The configurations {@link WglSearch} has been in — operations placed, register, and whether the
 * last one placed was an UNKNOWN write (which limits what may follow) — so that none is explored
 * twice (Lowe's memoization).
 *
 * <p>Beyond that, a configuration is dominated by a failed one that differs only in having placed
 * fewer of each chain of interchangeable UNKNOWN writes ({@link UnknownWriteRules}): whatever
 * order completes from the one with more placed, the one with fewer can follow too, taking the
 * same chains' writes (earlier-sent ones, so at least as available). So once a configuration has
 * failed, every one it dominates is skipped, instead of being explored once per count of writes
 * placed from each chain. Only failed configurations dominate: one still being explored proves
 * nothing yet.
 */
final class Explored {
    private record Exact(BitSet placed, Register register, boolean afterUnknownWrite) {}

    private record Unchained(BitSet placed, Register register, boolean afterUnknownWrite) {}

    private final Set<Exact> visited = new HashSet<>();
    private final Map<Unchained, List<int[]>> failed = new HashMap<>();
    private final boolean chained;
    private final UnknownWriteRules rules;

    /** With no chains of interchangeable writes in {@code rules}, only exact repeats are skipped. */
    Explored(UnknownWriteRules rules) {
        this.rules = rules;
        this.chained = rules.chains() > 0;
    }

    /**
     * Records that the search enters a configuration, unless it was there before or a failed one
     * dominates it (then false: skip it).
     *
     * @param placed every operation placed
     * @param unchained the operations placed outside chains
     * @param chainCounts how many of each chain are placed (always the earliest-sent ones)
     */
    boolean enter(BitSet placed, BitSet unchained, int[] chainCounts, Register register, boolean afterUnknownWrite) {
        if (chained) {
            List<int[]> losers = failed.get(new Unchained(unchained, register, afterUnknownWrite));
            if (losers != null && losers.stream().anyMatch(loser -> rules.leavesAtLeastAsMuch(loser, chainCounts))) {
                return false;
            }
        }
        return visited.add(new Exact((BitSet) placed.clone(), register, afterUnknownWrite));
    }

    /** Records that no full order continues from this configuration. */
    void failed(BitSet unchained, int[] chainCounts, Register register, boolean afterUnknownWrite) {
        if (chained) {
            failed.computeIfAbsent(
                            new Unchained((BitSet) unchained.clone(), register, afterUnknownWrite),
                            k -> new ArrayList<>())
                    .add(chainCounts.clone());
        }
    }
}
