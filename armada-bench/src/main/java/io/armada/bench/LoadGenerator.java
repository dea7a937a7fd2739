package io.armada.bench;

import java.io.PrintWriter;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Drives a {@link Target}: a closed loop (every slot — clients × in flight — issues its next
 * operation when the previous one completes) or, with a rate, an open loop (operations start on a
 * fixed schedule and their latency counts from the scheduled start, so a stall shows up as latency
 * instead of as fewer samples). Latencies go to HdrHistogram recorders; a progress line per second.
 */
final class LoadGenerator {
    private static final long HIGHEST_MICROS = TimeUnit.MINUTES.toMicros(2);
    /** After a failed operation the slot waits this long, so an unreachable store is not hammered. */
    private static final Executor ERROR_BACKOFF = CompletableFuture.delayedExecutor(10, TimeUnit.MILLISECONDS);

    private final Target target;
    private final ArmadaTarget followerCluster;
    private final BenchSpec spec;
    private final byte[] value;
    private final Recorder latencies = new Recorder(HIGHEST_MICROS, 3);
    private final Recorder lags = new Recorder(HIGHEST_MICROS, 3);
    private final AtomicLong errors = new AtomicLong();

    /** @param followerCluster for {@link Workload#LAG}: the follower cluster writes are read back from, else null */
    LoadGenerator(Target target, ArmadaTarget followerCluster, BenchSpec spec) {
        this.target = target;
        this.followerCluster = followerCluster;
        this.spec = spec;
        this.value = new byte[spec.valueSize()];
        ThreadLocalRandom.current().nextBytes(value);
    }

    static byte[] key(int k) {
        return String.format("key-%08d", k).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** {@link #populate}, measured: the latency of every write and the time of the whole fill. */
    Measurement fill(PrintWriter progress) throws InterruptedException {
        latencies.reset();
        long start = System.nanoTime();
        populate(progress);
        return new Measurement(latencies.getIntervalHistogram(), null, errors.get(), (System.nanoTime() - start) / 1e9);
    }

    /** Writes every key of every table once, {@code clients × inFlight} at a time. */
    void populate(PrintWriter progress) throws InterruptedException {
        int slots = spec.clients() * spec.inFlight();
        Semaphore free = new Semaphore(slots);
        long total = (long) spec.keySpace() * spec.tables().size();
        progress.printf("writing %d keys of %d B first%n", total, spec.valueSize());
        progress.flush();
        long n = 0;
        for (String table : spec.tables()) {
            for (int k = 0; k < spec.keySpace(); k++) {
                free.acquire();
                long began = System.nanoTime();
                target.put((int) (n++ % spec.clients()), table, key(k), value).whenComplete((r, e) -> {
                    if (e != null) {
                        errors.incrementAndGet();
                    } else {
                        latencies.recordValue(Math.min(HIGHEST_MICROS, (System.nanoTime() - began) / 1_000));
                    }
                    free.release();
                });
            }
        }
        free.acquire(slots);
        if (errors.get() > 0) {
            throw new IllegalStateException(errors.get() + " of the " + total + " initial writes failed");
        }
    }

    /** Runs the load for {@code duration}; records only when {@code measure} (warm-up otherwise). */
    Measurement run(java.time.Duration duration, boolean measure, PrintWriter progress) throws InterruptedException {
        latencies.reset();
        lags.reset();
        errors.set(0);
        Histogram total = new Histogram(HIGHEST_MICROS, 3);
        Histogram lagTotal = new Histogram(HIGHEST_MICROS, 3);
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        Thread driver =
                spec.rate() > 0 ? Thread.ofPlatform().name("bench-open-loop").start(() -> openLoop(start, end)) : null;
        CountDownLatch slotsDone = driver == null ? closedLoop(end) : new CountDownLatch(0);
        long lastOps = 0;
        for (long second = 1; !finished(slotsDone, driver, start + TimeUnit.SECONDS.toNanos(second)); second++) {
            Histogram interval = latencies.getIntervalHistogram();
            total.add(interval);
            lagTotal.add(lags.getIntervalHistogram());
            if (measure || second % 5 == 0) {
                progress.printf(
                        "%5ds %10d ops/s  p99 %8.3f ms  errors %d%s%n",
                        second,
                        total.getTotalCount() - lastOps,
                        interval.getValueAtPercentile(99) / 1000.0,
                        errors.get(),
                        measure ? "" : "  (warm-up)");
                progress.flush();
            }
            lastOps = total.getTotalCount();
        }
        total.add(latencies.getIntervalHistogram());
        lagTotal.add(lags.getIntervalHistogram());
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Measurement(total, spec.workload() == Workload.LAG ? lagTotal : null, errors.get(), seconds);
    }

    /** Waits until the run finished (true) or until {@code tick} (false, still running). */
    private static boolean finished(CountDownLatch slotsDone, Thread driver, long tick) throws InterruptedException {
        long nanos = Math.max(1, tick - System.nanoTime());
        if (driver == null) {
            return slotsDone.await(nanos, TimeUnit.NANOSECONDS);
        }
        driver.join(java.time.Duration.ofNanos(nanos));
        return !driver.isAlive();
    }

    /** What a run measured: latencies (µs), replication lags (µs, LAG only), failed operations, elapsed seconds. */
    record Measurement(Histogram latency, Histogram lag, long errors, double seconds) {}

    private CountDownLatch closedLoop(long end) {
        int slots = spec.clients() * spec.inFlight();
        CountDownLatch done = new CountDownLatch(slots);
        for (int s = 0; s < slots; s++) {
            next(s % spec.clients(), end, done);
        }
        return done;
    }

    private void next(int client, long end, CountDownLatch done) {
        long started = System.nanoTime();
        if (started >= end) {
            done.countDown();
            return;
        }
        issue(client, started).whenComplete((ok, e) -> {
            if (e == null) {
                next(client, end, done);
            } else {
                ERROR_BACKOFF.execute(() -> next(client, end, done));
            }
        });
    }

    private void openLoop(long start, long end) {
        int slots = spec.clients() * spec.inFlight();
        Semaphore free = new Semaphore(slots);
        double periodNanos = 1e9 / spec.rate();
        try {
            for (long i = 0; ; i++) {
                long intended = start + (long) (i * periodNanos);
                if (intended >= end) {
                    break;
                }
                long wait = intended - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                free.acquire(); // when every slot is busy the schedule slips; latency still counts from `intended`
                issue((int) (i % spec.clients()), intended).whenComplete((ok, e) -> free.release());
            }
            free.acquire(slots); // the run ends when the last scheduled operation completed
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Starts one operation; its latency is recorded from {@code since} when it completes. */
    private CompletableFuture<?> issue(int client, long since) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        String table = spec.tables().get(random.nextInt(spec.tables().size()));
        byte[] key = key(random.nextInt(spec.keySpace()));
        CompletableFuture<Long> op = switch (spec.workload()) {
            case PUT, LAG -> target.put(client, table, key, value);
            case GET -> target.get(client, table, key, spec.linearizable());
            case TXN -> target.txn(client, table, key, value);
            case MIXED ->
                random.nextInt(10) == 0
                        ? target.put(client, table, key, value)
                        : target.get(client, table, key, spec.linearizable());
            case FILL, CATCHUP -> throw new IllegalStateException(spec.workload() + " is not a timed load");
        };
        CompletableFuture<Long> recorded = op.whenComplete((revision, e) -> {
            if (e != null) {
                errors.incrementAndGet();
            } else {
                latencies.recordValue(Math.min(HIGHEST_MICROS, (System.nanoTime() - since) / 1000));
            }
        });
        if (spec.workload() != Workload.LAG) {
            return recorded;
        }
        return recorded.thenCompose(revision -> {
            long acknowledged = System.nanoTime();
            return followerCluster.getAtLeast(client, table, key, revision).whenComplete((r, e) -> {
                if (e != null) {
                    errors.incrementAndGet();
                } else {
                    lags.recordValue(Math.min(HIGHEST_MICROS, (System.nanoTime() - acknowledged) / 1000));
                }
            });
        });
    }
}
