package io.armada.raft.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * Raft benchmark: commits/s and p50/p99 commit latency of three replicas in one JVM over loopback with fsync on,
 * for each (groups, proposals in flight per group) point, every target side by side in one process.
 * Prints Markdown tables: one row per run, then each target's throughput relative to Apache Ratis.
 *
 * <p>Run with {@code armada-raft/src/test/bench/run.sh [options]}; {@code --help} lists the options.
 */
public final class RaftBench {
    private final BenchOptions options;
    private final PrintStream progress;

    RaftBench(BenchOptions options, PrintStream progress) {
        this.options = options;
        this.progress = progress;
    }

    public static void main(String[] args) throws Exception {
        BenchOptions options;
        try {
            if (Arrays.asList(args).contains("--help")) {
                System.out.print(BenchOptions.USAGE);
                return;
            }
            options = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("RaftBench: " + e.getMessage());
            System.err.print(BenchOptions.USAGE);
            System.exit(2);
            return;
        }
        List<RunResult> results = new RaftBench(options, System.err).runAll();
        System.out.println(header(options));
        System.out.print(report(options, results));
        // Ratis and gRPC may leave non-daemon threads behind; the results are out, so end here.
        System.exit(results.stream().anyMatch(r -> r instanceof RunResult.Failed) ? 1 : 0);
    }

    /** Runs every point for every available target; alternates target order between repeats (A B, B A, ...). */
    List<RunResult> runAll() throws IOException, InterruptedException {
        Map<String, BenchTargets.Factory> runnable = new LinkedHashMap<>();
        for (String name : options.targets()) {
            BenchTargets.factory(name)
                    .ifPresentOrElse(
                            f -> runnable.put(name, f),
                            () -> progress.println(
                                    "skipping target " + name + ": " + BenchTargets.whyUnavailable(name)));
        }
        List<RunResult> results = new ArrayList<>();
        if (runnable.isEmpty()) {
            progress.println("no target to run");
            return results;
        }
        Files.createDirectories(options.dataRoot());
        List<String> names = new ArrayList<>(runnable.keySet());
        if (!options.prime().isZero()) {
            for (String name : names) {
                LoadPoint point = options.primePoint();
                progress.printf(
                        Locale.ROOT,
                        "priming %s (%s, %d s, not reported) ...%n",
                        name,
                        point,
                        options.prime().toSeconds());
                RunResult primed = runOne(name, runnable.get(name), point, 0, Duration.ZERO, options.prime());
                progress.println("  " + summary(primed));
                System.gc();
            }
        }
        for (LoadPoint point : options.points()) {
            for (int run = 1; run <= options.repeats(); run++) {
                for (int i = 0; i < names.size(); i++) {
                    String name = names.get((i + run - 1) % names.size());
                    progress.printf(
                            Locale.ROOT,
                            "running %s %s run %d (load average %s) ...%n",
                            name,
                            point,
                            run,
                            loadAverage());
                    RunResult result =
                            runOne(name, runnable.get(name), point, run, options.warmup(), options.measure());
                    progress.println("  " + summary(result));
                    results.add(result);
                    // Collect the previous target's garbage (and its direct buffers) outside the next window.
                    System.gc();
                }
            }
        }
        return results;
    }

    private RunResult runOne(
            String name, BenchTargets.Factory factory, LoadPoint point, int run, Duration warmup, Duration measure)
            throws IOException, InterruptedException {
        Path dataDir = Files.createTempDirectory(
                options.dataRoot(),
                "raftbench-" + name + "-g" + point.groups() + "-f" + point.inflightPerGroup() + "-");
        BenchTarget target = null;
        try {
            target = factory.create();
            startWithin(target, dataDir, point.groups());
            ClosedLoop.Outcome outcome =
                    ClosedLoop.run(target, point, options.payloadBytes(), warmup, measure, options.drainTimeout());
            return new RunResult.Measured(name, point, run, outcome);
        } catch (TimeoutException e) {
            return new RunResult.Failed(name, point, run, e.getMessage());
        } catch (ExecutionException e) {
            return new RunResult.Failed(name, point, run, "start failed: " + e.getCause());
        } catch (RuntimeException e) {
            return new RunResult.Failed(name, point, run, String.valueOf(e));
        } finally {
            if (target != null) {
                try {
                    target.close();
                } catch (Exception e) {
                    progress.println("warning: closing " + name + " failed: " + e);
                }
            }
            deleteRecursively(dataDir);
        }
    }

    /** Starts the target on a helper thread so a start that hangs fails the run after the timeout. */
    private void startWithin(BenchTarget target, Path dataDir, int groups)
            throws TimeoutException, ExecutionException, InterruptedException {
        ExecutorService starter = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "raftbench-start-" + target.name());
            t.setDaemon(true);
            return t;
        });
        try {
            Future<?> started = starter.submit(() -> {
                target.start(dataDir, groups);
                return null;
            });
            try {
                started.get(options.startTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                started.cancel(true);
                throw new TimeoutException(target.name() + " did not start " + groups + " groups within "
                        + options.startTimeout().toSeconds() + " s");
            }
        } finally {
            starter.shutdownNow();
        }
    }

    private void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static String summary(RunResult result) {
        return switch (result) {
            case RunResult.Measured m -> {
                ClosedLoop.Outcome o = m.outcome();
                yield String.format(
                        Locale.ROOT,
                        "%,.0f commits/s, p50 %,d µs, p99 %,d µs, %d errors",
                        o.commitsPerSecond(),
                        o.latencyMicros().getValueAtPercentile(50),
                        o.latencyMicros().getValueAtPercentile(99),
                        o.errors());
            }
            case RunResult.Failed f -> "FAILED: " + f.reason();
        };
    }

    /** The machine and settings the figures belong to. */
    static String header(BenchOptions o) {
        String store;
        try {
            store = Files.getFileStore(o.dataRoot()).type();
        } catch (IOException e) {
            store = "unknown";
        }
        return String.format(
                Locale.ROOT,
                """
                # RaftBench
                machine: %d cpus (%s), %s, Java %s (%s); load average at the end %s
                data dir: %s (%s); payload %d B; warm-up %d s, measured %d s per run; %d run(s) per target; \
                unreported priming run %d s
                """,
                Runtime.getRuntime().availableProcessors(),
                cpuModel(),
                memTotal(),
                System.getProperty("java.version"),
                System.getProperty("java.vm.name"),
                loadAverage(),
                o.dataRoot(),
                store,
                o.payloadBytes(),
                o.warmup().toSeconds(),
                o.measure().toSeconds(),
                o.repeats(),
                o.prime().toSeconds());
    }

    static String report(BenchOptions o, List<RunResult> results) {
        String ratios = ResultsTable.ratios(o.points(), o.targets(), results);
        String ratioTable = ratios.isEmpty() ? "" : "\nThroughput ratio (median of runs):\n\n" + ratios;
        return ResultsTable.runs(results) + ratioTable;
    }

    /** The 1-minute load average: other work on a shared machine shows up here. */
    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static String cpuModel() {
        return procLine(Path.of("/proc/cpuinfo"), "model name");
    }

    private static String memTotal() {
        String kb = procLine(Path.of("/proc/meminfo"), "MemTotal").replaceAll("[^0-9]", "");
        return kb.isEmpty() ? "memory unknown" : (Long.parseLong(kb) >> 20) + " GiB RAM";
    }

    private static String procLine(Path file, String key) {
        try (Stream<String> lines = Files.lines(file)) {
            return lines.filter(l -> l.startsWith(key))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .findFirst()
                    .orElse("unknown");
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
