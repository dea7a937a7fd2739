package io.armada.raft.bench;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.ratis.metrics.LongCounter;
import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.MetricRegistryInfo;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.apache.ratis.metrics.Timekeeper;
import org.apache.ratis.util.TimeDuration;

/**
 * Ratis' metrics seam, implemented with plain counters so the benchmark can read how often each Ratis log
 * fsyncs. ratis-server needs some implementation at runtime and ships none; this one is registered through
 * {@code META-INF/services/org.apache.ratis.metrics.MetricRegistries} in the test resources.
 *
 * <p>Counters and timers are LongAdders (cheaper than Ratis' Dropwizard default, so Ratis is not slowed);
 * gauges are not kept.
 */
public final class RatisCountingMetrics extends MetricRegistries {
    private final Map<MetricRegistryInfo, Registered> registries = new ConcurrentHashMap<>();

    /** Called by {@link java.util.ServiceLoader}. */
    public RatisCountingMetrics() {}

    private record Registered(Registry registry, int references) {}

    @Override
    public void clear() {
        registries.clear();
    }

    @Override
    public RatisMetricRegistry create(MetricRegistryInfo info) {
        // Ratis reference-counts registries: create() of an existing one shares it, remove() releases one use.
        return registries
                .compute(
                        info,
                        (key, old) -> old == null
                                ? new Registered(new Registry(key), 1)
                                : new Registered(old.registry(), old.references() + 1))
                .registry();
    }

    @Override
    public boolean remove(MetricRegistryInfo key) {
        boolean[] present = {false};
        registries.computeIfPresent(key, (k, old) -> {
            present[0] = true;
            return old.references() <= 1 ? null : new Registered(old.registry(), old.references() - 1);
        });
        return present[0];
    }

    @Override
    public Optional<RatisMetricRegistry> get(MetricRegistryInfo info) {
        return Optional.ofNullable(registries.get(info)).map(Registered::registry);
    }

    @Override
    public Set<MetricRegistryInfo> getMetricRegistryInfos() {
        return Set.copyOf(registries.keySet());
    }

    @Override
    public Collection<RatisMetricRegistry> getMetricRegistries() {
        return List.copyOf(
                registries.values().stream().map(Registered::registry).toList());
    }

    @Override
    public void addReporterRegistration(
            Consumer<RatisMetricRegistry> reporterRegistration, Consumer<RatisMetricRegistry> stopReporter) {
        // No reporters: the benchmark reads the counters directly.
    }

    @Override
    public void enableJmxReporter() {}

    @Override
    public void enableConsoleReporter(TimeDuration consoleReportRate) {}

    /** One component's counters and timers, found again by name. */
    static final class Registry implements RatisMetricRegistry {
        private final MetricRegistryInfo info;
        private final Map<String, Counter> counters = new ConcurrentHashMap<>();
        private final Map<String, Timer> timers = new ConcurrentHashMap<>();

        Registry(MetricRegistryInfo info) {
            this.info = info;
        }

        @Override
        public Timekeeper timer(String name) {
            return timers.computeIfAbsent(name, n -> new Timer());
        }

        @Override
        public LongCounter counter(String name) {
            return counters.computeIfAbsent(name, n -> new Counter());
        }

        @Override
        public boolean remove(String name) {
            return counters.remove(name) != null | timers.remove(name) != null;
        }

        @Override
        public <T> void gauge(String name, Supplier<Supplier<T>> gaugeSupplier) {
            // Gauges are sampled values the benchmark does not need.
        }

        @Override
        public MetricRegistryInfo getMetricRegistryInfo() {
            return info;
        }

        /** The counter's value; 0 when Ratis never created it. */
        long count(String name) {
            Counter c = counters.get(name);
            return c == null ? 0 : c.getCount();
        }

        /** Number of timed events and their total nanoseconds; zeros when Ratis never created the timer. */
        long[] timed(String name) {
            Timer t = timers.get(name);
            return t == null ? new long[] {0, 0} : new long[] {t.events.sum(), t.nanos.sum()};
        }
    }

    static final class Counter implements LongCounter {
        private final LongAdder value = new LongAdder();

        @Override
        public void inc(long n) {
            value.add(n);
        }

        @Override
        public void dec(long n) {
            value.add(-n);
        }

        @Override
        public long getCount() {
            return value.sum();
        }
    }

    static final class Timer implements Timekeeper {
        final LongAdder events = new LongAdder();
        final LongAdder nanos = new LongAdder();

        @Override
        public Context time() {
            long start = System.nanoTime();
            return () -> {
                long elapsed = System.nanoTime() - start;
                events.increment();
                nanos.add(elapsed);
                return elapsed;
            };
        }
    }
}
