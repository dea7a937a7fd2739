package io.armada.raft.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.stream.Collectors;

/** Renders results as Markdown tables, ready to paste into docs/benchmarks.md. */
final class ResultsTable {
    static final String BASELINE = RatisTarget.NAME;

    private ResultsTable() {}

    /** One row per run: throughput, latency percentiles, errors and the target's own figures. */
    static String runs(List<RunResult> results) {
        StringBuilder out = new StringBuilder();
        out.append("| target | groups | in flight/group | run | commits/s | p50 µs | p99 µs | errors | extra |\n");
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (RunResult r : results) {
            String prefix = String.format(
                    Locale.ROOT,
                    "| %s | %d | %d | %d | ",
                    r.target(),
                    r.point().groups(),
                    r.point().inflightPerGroup(),
                    r.run());
            switch (r) {
                case RunResult.Measured m -> {
                    ClosedLoop.Outcome o = m.outcome();
                    String notes = extras(o.extraStats());
                    if (!o.drained()) {
                        notes += (notes.isEmpty() ? "" : ", ") + "in-flight proposals did not finish after the window";
                    }
                    if (o.firstError() != null) {
                        notes += (notes.isEmpty() ? "" : ", ") + "first error: "
                                + o.firstError().replace('|', '/');
                    }
                    out.append(prefix)
                            .append(String.format(
                                    Locale.ROOT,
                                    "%,.0f | %,d | %,d | %d | %s |\n",
                                    o.commitsPerSecond(),
                                    o.latencyMicros().getValueAtPercentile(50),
                                    o.latencyMicros().getValueAtPercentile(99),
                                    o.errors(),
                                    notes));
                }
                case RunResult.Failed f ->
                    out.append(prefix)
                            .append("FAILED | | | | ")
                            .append(f.reason().replace('|', '/'))
                            .append(" |\n");
            }
        }
        return out.toString();
    }

    /** Per point, each other target's median throughput over the baseline's; empty when none ran beside it. */
    static String ratios(List<LoadPoint> points, List<String> targets, List<RunResult> results) {
        List<String> others = targets.stream().filter(t -> !t.equals(BASELINE)).toList();
        if (!targets.contains(BASELINE) || others.isEmpty()) {
            return "";
        }
        StringBuilder out = new StringBuilder("| groups | in flight/group |");
        StringBuilder rule = new StringBuilder("|---:|---:|");
        for (String t : others) {
            out.append(' ').append(t).append('/').append(BASELINE).append(" commits/s |");
            rule.append("---:|");
        }
        out.append('\n').append(rule).append('\n');
        for (LoadPoint s : points) {
            OptionalDouble base = medianThroughput(results, BASELINE, s);
            out.append(String.format(Locale.ROOT, "| %d | %d |", s.groups(), s.inflightPerGroup()));
            for (String t : others) {
                OptionalDouble other = medianThroughput(results, t, s);
                out.append(
                        base.isPresent() && other.isPresent() && base.getAsDouble() > 0
                                ? String.format(Locale.ROOT, " %.2f× |", other.getAsDouble() / base.getAsDouble())
                                : " n/a |");
            }
            out.append('\n');
        }
        return out.toString();
    }

    static OptionalDouble medianThroughput(List<RunResult> results, String target, LoadPoint point) {
        List<Double> values = new ArrayList<>();
        for (RunResult r : results) {
            if (r instanceof RunResult.Measured m
                    && m.target().equals(target)
                    && m.point().equals(point)) {
                values.add(m.outcome().commitsPerSecond());
            }
        }
        if (values.isEmpty()) {
            return OptionalDouble.empty();
        }
        values.sort(Double::compare);
        int n = values.size();
        return OptionalDouble.of(n % 2 == 1 ? values.get(n / 2) : (values.get(n / 2 - 1) + values.get(n / 2)) / 2);
    }

    private static String extras(Map<String, Double> stats) {
        return stats.entrySet().stream()
                .map(e -> e.getKey() + "=" + number(e.getValue()))
                .collect(Collectors.joining(", "));
    }

    private static String number(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return "n/a";
        }
        return Math.abs(v) >= 100 || v == Math.rint(v)
                ? String.format(Locale.ROOT, "%,.0f", v)
                : String.format(Locale.ROOT, "%.2f", v);
    }
}
