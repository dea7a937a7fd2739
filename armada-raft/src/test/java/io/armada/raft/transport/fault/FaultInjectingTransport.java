package io.armada.raft.transport.fault;

import io.armada.raft.transport.Transport;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Wraps one node's transport and applies a shared {@link FaultPlan} to what the node sends: cut
 * links, drops, duplicates, delays and reordering. Randomness comes from the injected generator
 * and time from the injected scheduler, so with a seed and a {@link ManualScheduler} a run replays
 * exactly. A message still in flight when its link is cut is lost, as on a real network.
 */
public final class FaultInjectingTransport implements Transport {
    private final long selfId;
    private final Transport delegate;
    private final FaultPlan plan;
    private final RandomGenerator random;
    private final FaultScheduler scheduler;
    private volatile boolean closed;

    private long sent;
    private long blocked;
    private long dropped;
    private long duplicated;
    private long delayed;
    private long reordered;

    public FaultInjectingTransport(
            long selfId, Transport delegate, FaultPlan plan, RandomGenerator random, FaultScheduler scheduler) {
        this.selfId = selfId;
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.plan = Objects.requireNonNull(plan, "plan");
        this.random = Objects.requireNonNull(random, "random");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    }

    @Override
    public void start(InboundHandler handler) {
        delegate.start(handler);
    }

    @Override
    public boolean send(long toNodeId, long groupId, byte[] message) {
        if (closed) {
            return false;
        }
        // Decide under the lock (the generator is not thread-safe and the draw order must replay),
        // deliver outside it: a synchronous delegate runs the receiver's handler, which may send back.
        int immediateCopies = 0;
        long[] delays = null;
        synchronized (this) {
            sent++;
            LinkFaults faults = plan.faultsFor(selfId, toNodeId, groupId);
            if (faults.blocked()) {
                blocked++;
                return false;
            }
            if (faults.dropRate() > 0 && random.nextDouble() < faults.dropRate()) {
                dropped++;
                return true;
            }
            int copies = 1;
            if (faults.duplicateRate() > 0 && random.nextDouble() < faults.duplicateRate()) {
                duplicated++;
                copies = 2;
            }
            for (int copy = 0; copy < copies; copy++) {
                long delayMillis = faults.delayMillis();
                if (faults.delayJitterMillis() > 0) {
                    delayMillis += random.nextLong(faults.delayJitterMillis() + 1);
                }
                if (faults.reorderRate() > 0 && random.nextDouble() < faults.reorderRate()) {
                    reordered++;
                    delayMillis += faults.reorderDelayMillis();
                }
                if (delayMillis == 0) {
                    immediateCopies++;
                } else {
                    delayed++;
                    if (delays == null) {
                        delays = new long[copies];
                    }
                    delays[copy] = delayMillis;
                }
            }
        }
        boolean accepted = true;
        for (int i = 0; i < immediateCopies; i++) {
            accepted &= delegate.send(toNodeId, groupId, message);
        }
        if (delays != null) {
            for (long delayMillis : delays) {
                if (delayMillis > 0) {
                    scheduler.schedule(delayMillis, () -> deliverLater(toNodeId, groupId, message));
                }
            }
        }
        return accepted;
    }

    private void deliverLater(long toNodeId, long groupId, byte[] message) {
        if (closed) {
            return;
        }
        if (plan.isCut(selfId, toNodeId)) {
            synchronized (this) {
                blocked++;
            }
            return;
        }
        delegate.send(toNodeId, groupId, message);
    }

    public synchronized FaultStats stats() {
        return new FaultStats(sent, blocked, dropped, duplicated, delayed, reordered);
    }

    @Override
    public void close() {
        closed = true;
        delegate.close();
    }
}
