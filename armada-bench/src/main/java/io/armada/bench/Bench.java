package io.armada.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintWriter;

/** {@code armada bench}: prepares the store, warms up, measures, reports. */
public final class Bench {
    private Bench() {}

    /** Runs {@code spec}; progress lines go to {@code progress}. */
    public static BenchResult run(BenchSpec spec, PrintWriter progress) throws Exception {
        BenchResult result =
                spec.workload() == Workload.CATCHUP ? CatchUp.measure(spec, progress) : load(spec, progress);
        if (spec.json() != null) {
            writeJson(result, spec.json());
        }
        return result;
    }

    private static BenchResult load(BenchSpec spec, PrintWriter progress) throws Exception {
        try (Target target = spec.store() == BenchSpec.Store.ARMADA
                        ? new ArmadaTarget(spec.endpoints(), spec.clients(), spec.pinned())
                        : new EtcdTarget(spec.endpoints(), spec.clients());
                ArmadaTarget followerCluster = spec.workload() == Workload.LAG
                        ? new ArmadaTarget(spec.followerClusterEndpoints(), spec.clients(), spec.pinned())
                        : null) {
            target.prepare(spec.tables());
            LoadGenerator load = new LoadGenerator(target, followerCluster, spec);
            LoadGenerator.Measurement m;
            if (spec.workload() == Workload.FILL) {
                m = load.fill(progress);
            } else {
                if (spec.workload() == Workload.GET || spec.workload() == Workload.MIXED) {
                    load.populate(progress);
                }
                if (!spec.warmup().isZero()) {
                    load.run(spec.warmup(), false, progress);
                }
                m = load.run(spec.duration(), true, progress);
            }
            return new BenchResult(
                    spec.store().name().toLowerCase(java.util.Locale.ROOT),
                    spec.workload().name().toLowerCase(java.util.Locale.ROOT),
                    spec.tables(),
                    spec.clients(),
                    spec.inFlight(),
                    spec.valueSize(),
                    spec.linearizable(),
                    spec.rate(),
                    m.seconds(),
                    m.latency().getTotalCount(),
                    m.errors(),
                    m.latency().getTotalCount() / m.seconds(),
                    BenchResult.Latency.of(m.latency()),
                    m.lag() == null ? null : BenchResult.Latency.of(m.lag()));
        }
    }

    static void writeJson(BenchResult result, java.nio.file.Path file) throws IOException {
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), result);
    }
}
