package io.armada.testkit.check;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a checker concluded.
 *
 * @param checker which checker
 * @param violations each violation found, naming the operations involved
 * @param undecided the parts the checker could not decide either way (a linearizability search
 *     that reached its step limit): neither passed nor failed
 * @param counts what was checked (operations, acknowledged writes, reads, keys, ...)
 */
public record Verdict(String checker, List<String> violations, List<String> undecided, Map<String, Long> counts) {
    private static final int SHOWN = 20;

    public Verdict {
        violations = List.copyOf(violations);
        undecided = List.copyOf(undecided);
        counts = Map.copyOf(counts);
    }

    /** No violation found (some parts may still be undecided: see {@link #complete()}). */
    public boolean valid() {
        return violations.isEmpty();
    }

    /** Every part was decided. */
    public boolean complete() {
        return undecided.isEmpty();
    }

    public String summary() {
        StringBuilder b = new StringBuilder(checker)
                .append(": ")
                .append(valid() ? complete() ? "valid" : "no violation found, some parts undecided" : "INVALID")
                .append(' ')
                .append(new TreeMap<>(counts));
        lines(b, violations);
        lines(b, undecided);
        return b.toString();
    }

    private static void lines(StringBuilder b, List<String> lines) {
        lines.stream().limit(SHOWN).forEach(l -> b.append("\n  ").append(l));
        if (lines.size() > SHOWN) {
            b.append("\n  ... ").append(lines.size() - SHOWN).append(" more");
        }
    }
}
