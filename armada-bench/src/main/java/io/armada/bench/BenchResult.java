package io.armada.bench;

import java.util.List;

/**
 * The figures of one run. Latencies are milliseconds; {@code lag} is present for {@link Workload#LAG} only.
 */
public record BenchResult(
        String store,
        String workload,
        List<String> tables,
        int clients,
        int inFlight,
        int valueSize,
        boolean linearizable,
        double targetRate,
        double seconds,
        long operations,
        long errors,
        double throughput,
        Latency latency,
        Latency lag) {

    /** Percentiles of one distribution, in milliseconds. */
    public record Latency(long count, double p50, double p90, double p99, double p999, double max, double mean) {
        static Latency of(org.HdrHistogram.Histogram micros) {
            return new Latency(
                    micros.getTotalCount(),
                    ms(micros.getValueAtPercentile(50)),
                    ms(micros.getValueAtPercentile(90)),
                    ms(micros.getValueAtPercentile(99)),
                    ms(micros.getValueAtPercentile(99.9)),
                    ms(micros.getMaxValue()),
                    micros.getMean() / 1000.0);
        }

        private static double ms(long micros) {
            return micros / 1000.0;
        }

        String line() {
            return String.format(
                    "p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f  mean %.3f ms", p50, p90, p99, p999, max, mean);
        }
    }

    /** A human-readable summary, a few lines. */
    public String text() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(
                "%s %s: %d tables, %d clients x %d in flight, value %d B%s%s%n",
                store,
                workload,
                tables.size(),
                clients,
                inFlight,
                valueSize,
                linearizable ? ", linearizable" : "",
                targetRate > 0 ? String.format(", open loop at %.0f ops/s", targetRate) : ""));
        if (workload.equals("catchup")) {
            b.append(String.format(
                    "caught up: all %d follower-cluster nodes at the leader cluster's revision after %.2f s"
                            + " (per node p50 %.2f s, max %.2f s; %d attempts refused while they started or loaded)%n",
                    operations, seconds, latency.p50() / 1000, latency.max() / 1000, errors));
            return b.toString();
        }
        b.append(String.format(
                "operations %d in %.1f s: %.0f ops/s, errors %d%n", operations, seconds, throughput, errors));
        b.append("latency    ").append(latency.line()).append('\n');
        if (lag != null) {
            b.append("lag        ").append(lag.line()).append('\n');
        }
        return b.toString();
    }
}
