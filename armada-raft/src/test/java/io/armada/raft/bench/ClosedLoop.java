package io.armada.raft.bench;

import java.time.Duration;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Drives a started target in a closed loop: every group always has exactly {@code inflightPerGroup} proposals
 * outstanding, each completion issuing the next. Latency is from the propose call to the completion callback.
 */
final class ClosedLoop {
    /** Past this many failed proposals a run stops early; a healthy cluster fails none. */
    static final long MAX_ERRORS = 1000;

    /** What one measured window produced. */
    record Outcome(
            long commits,
            double seconds,
            Histogram latencyMicros,
            long errors,
            String firstError,
            Map<String, Double> extraStats,
            boolean drained) {
        double commitsPerSecond() {
            return commits / seconds;
        }
    }

    private final BenchTarget target;
    private final LoadPoint point;
    private final byte[][] payloadByGroup;
    private final Recorder latencyMicros = new Recorder(3);
    private final AtomicInteger liveSlots = new AtomicInteger();
    private final CountDownLatch allSlotsDone = new CountDownLatch(1);
    private final LongAdder errors = new LongAdder();
    private final AtomicReference<Throwable> firstError = new AtomicReference<>();
    private volatile boolean stopping;

    private ClosedLoop(BenchTarget target, LoadPoint point, int payloadBytes) {
        this.target = target;
        this.point = point;
        SplittableRandom random = new SplittableRandom(42);
        payloadByGroup = new byte[point.groups()][payloadBytes];
        for (byte[] payload : payloadByGroup) {
            random.nextBytes(payload);
        }
    }

    /** Warms up, measures, then stops issuing and waits (bounded) for what is still in flight. */
    static Outcome run(
            BenchTarget target,
            LoadPoint point,
            int payloadBytes,
            Duration warmup,
            Duration measure,
            Duration drainTimeout)
            throws InterruptedException {
        return new ClosedLoop(target, point, payloadBytes).run(warmup, measure, drainTimeout);
    }

    private Outcome run(Duration warmup, Duration measure, Duration drainTimeout) throws InterruptedException {
        int slots = point.groups() * point.inflightPerGroup();
        liveSlots.set(slots);
        for (int group = 0; group < point.groups(); group++) {
            for (int i = 0; i < point.inflightPerGroup(); i++) {
                issue(group);
            }
        }
        // Sleeping here times the window; the load runs on the completion callbacks meanwhile.
        TimeUnit.NANOSECONDS.sleep(warmup.toNanos());
        latencyMicros.getIntervalHistogram(); // drop warm-up latencies
        target.beginMeasurement();
        long startNanos = System.nanoTime();
        TimeUnit.NANOSECONDS.sleep(measure.toNanos());
        Histogram window = latencyMicros.getIntervalHistogram();
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        Map<String, Double> extra = target.extraStats();
        stopping = true;
        boolean drained = allSlotsDone.await(drainTimeout.toMillis(), TimeUnit.MILLISECONDS);
        Throwable error = firstError.get();
        return new Outcome(
                window.getTotalCount(),
                seconds,
                window,
                errors.sum(),
                error == null ? null : String.valueOf(error),
                extra,
                drained);
    }

    private void issue(int group) {
        if (stopping) {
            if (liveSlots.decrementAndGet() == 0) {
                allSlotsDone.countDown();
            }
            return;
        }
        long startNanos = System.nanoTime();
        CompletableFuture<Void> proposal;
        try {
            proposal = target.propose(group, payloadByGroup[group]);
        } catch (RuntimeException e) {
            proposal = CompletableFuture.failedFuture(e);
        }
        proposal.whenComplete((ignored, error) -> completed(group, startNanos, error));
    }

    private void completed(int group, long startNanos, Throwable error) {
        if (error == null) {
            latencyMicros.recordValue((System.nanoTime() - startNanos) / 1000);
            issue(group);
            return;
        }
        errors.increment();
        firstError.compareAndSet(null, error);
        if (errors.sum() >= MAX_ERRORS) {
            stopping = true;
        }
        // Re-issue off this stack: a target failing synchronously would otherwise recurse without bound.
        CompletableFuture.runAsync(() -> issue(group));
    }
}
