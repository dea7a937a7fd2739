package io.armada.testkit.check;

import java.util.List;
import java.util.Map;

/**
 * What a checker concluded. {@code valid}: no violation found; {@code complete}: every part was
 * decided (a linearizability search that hit its step limit leaves its part undecided).
 */
public record Verdict(String checker, boolean valid, boolean complete, List<String> violations, Map<String, Long> counts) {
    public Verdict {
        violations = List.copyOf(violations);
        counts = Map.copyOf(counts);
    }

    public String summary() {
        return checker + ": " + (valid ? complete ? "valid" : "no violation found, some parts undecided" : "INVALID")
                + " " + new java.util.TreeMap<>(counts) + (violations.isEmpty() ? ""
                : "\n  " + String.join("\n  ", violations.subList(0, Math.min(20, violations.size())))
                        + (violations.size() > 20 ? "\n  ... " + (violations.size() - 20) + " more" : ""));
    }
}
