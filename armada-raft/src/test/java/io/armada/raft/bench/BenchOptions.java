package io.armada.raft.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Command-line settings of {@link RaftBench}, with the points as defaults. Every value is bounded so a
 * typo fails at once instead of running for hours.
 */
record BenchOptions(
        List<Integer> groups,
        List<Integer> inflight,
        Duration prime,
        Duration warmup,
        Duration measure,
        int payloadBytes,
        List<String> targets,
        int repeats,
        Path dataRoot,
        Duration startTimeout,
        Duration drainTimeout) {

    static final int MAX_GROUPS = 1024;
    static final int MAX_INFLIGHT_PER_GROUP = 1024;
    static final int MAX_PAYLOAD_BYTES = 1 << 20;
    static final int MAX_SECONDS = 3600;
    static final int MAX_REPEATS = 20;

    static final String USAGE = """
            usage: RaftBench [--groups 1,16,128] [--inflight 1,64] [--seconds 10] [--warmup 3] [--prime 10]
                             [--payload 100] [--targets ratis,armada] [--repeats 1] [--dir <tmp>]
                             [--start-timeout 300] [--drain-timeout 30]
              --groups         Raft groups per point (3 replicas each, all in this JVM)
              --inflight       proposals kept in flight per group (closed loop)
              --seconds        measured seconds per run;  --warmup: seconds before measuring
              --prime          seconds of an unreported first run per target (JIT warm-up); 0 skips it
              --payload        bytes per proposal
              --targets        implementations to run side by side, in this order (alternated when repeating)
              --repeats        runs per point and target
              --dir            parent of the per-run data directories (must be on the disk to measure)
              --start-timeout  seconds a target may take to start and elect leaders before the run fails
              --drain-timeout  seconds to wait for in-flight proposals after the measured window
            """;

    BenchOptions {
        groups = List.copyOf(groups);
        inflight = List.copyOf(inflight);
        targets = List.copyOf(targets);
        if (groups.isEmpty() || inflight.isEmpty() || targets.isEmpty()) {
            throw new IllegalArgumentException("--groups, --inflight and --targets need at least one value");
        }
        points(groups, inflight); // validates each pair
        requireRange("--prime", prime.toSeconds(), 0, MAX_SECONDS);
        requireRange("--warmup", warmup.toSeconds(), 0, MAX_SECONDS);
        requireRange("--seconds", measure.toSeconds(), 1, MAX_SECONDS);
        requireRange("--payload", payloadBytes, 1, MAX_PAYLOAD_BYTES);
        requireRange("--repeats", repeats, 1, MAX_REPEATS);
        requireRange("--start-timeout", startTimeout.toSeconds(), 1, MAX_SECONDS);
        requireRange("--drain-timeout", drainTimeout.toSeconds(), 1, MAX_SECONDS);
        for (String t : targets) {
            BenchTargets.factory(t); // rejects unknown names
        }
    }

    static BenchOptions defaults() {
        return new BenchOptions(
                List.of(1, 16, 128),
                List.of(1, 64),
                Duration.ofSeconds(10),
                Duration.ofSeconds(3),
                Duration.ofSeconds(10),
                100,
                List.of("ratis", "armada"),
                1,
                Path.of(System.getProperty("java.io.tmpdir")),
                Duration.ofSeconds(300),
                Duration.ofSeconds(30));
    }

    /** The point of the unreported priming run: the fewest groups at the most proposals in flight. */
    LoadPoint primePoint() {
        return new LoadPoint(
                groups.stream().min(Integer::compare).orElseThrow(),
                inflight.stream().max(Integer::compare).orElseThrow());
    }

    List<LoadPoint> points() {
        return points(groups, inflight);
    }

    private static List<LoadPoint> points(List<Integer> groups, List<Integer> inflight) {
        List<LoadPoint> all = new ArrayList<>();
        for (int g : groups) {
            for (int f : inflight) {
                all.add(new LoadPoint(g, f));
            }
        }
        return all;
    }

    /** Parses {@code --name value} pairs over {@link #defaults()}; throws IllegalArgumentException on bad input. */
    static BenchOptions parse(String... args) {
        BenchOptions o = defaults();
        List<Integer> groups = o.groups();
        List<Integer> inflight = o.inflight();
        Duration prime = o.prime();
        Duration warmup = o.warmup();
        Duration measure = o.measure();
        int payload = o.payloadBytes();
        List<String> targets = o.targets();
        int repeats = o.repeats();
        Path dir = o.dataRoot();
        Duration startTimeout = o.startTimeout();
        Duration drainTimeout = o.drainTimeout();
        for (int i = 0; i < args.length; i += 2) {
            String name = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(name + " needs a value");
            }
            String value = args[i + 1];
            switch (name) {
                case "--groups" -> groups = ints(name, value);
                case "--inflight" -> inflight = ints(name, value);
                case "--seconds" -> measure = Duration.ofSeconds(integer(name, value));
                case "--prime" -> prime = Duration.ofSeconds(integer(name, value));
                case "--warmup" -> warmup = Duration.ofSeconds(integer(name, value));
                case "--payload" -> payload = integer(name, value);
                case "--targets" ->
                    targets = Arrays.stream(value.split(","))
                            .map(String::trim)
                            .filter(s -> !s.isEmpty())
                            .distinct()
                            .toList();
                case "--repeats" -> repeats = integer(name, value);
                case "--dir" -> dir = Path.of(value);
                case "--start-timeout" -> startTimeout = Duration.ofSeconds(integer(name, value));
                case "--drain-timeout" -> drainTimeout = Duration.ofSeconds(integer(name, value));
                default -> throw new IllegalArgumentException("unknown option " + name);
            }
        }
        return new BenchOptions(
                groups, inflight, prime, warmup, measure, payload, targets, repeats, dir, startTimeout, drainTimeout);
    }

    private static List<Integer> ints(String name, String csv) {
        return Arrays.stream(csv.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .map(s -> integer(name, s))
                .distinct()
                .toList();
    }

    private static int integer(String name, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": '" + value + "' is not a whole number");
        }
    }

    private static void requireRange(String name, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + ": " + value + " is outside " + min + ".." + max);
        }
    }
}
