package io.armada.raft.transport.fault;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Runs a delayed delivery later: a real scheduler in soak tests, a {@link ManualScheduler} in deterministic ones. */
@FunctionalInterface
public interface FaultScheduler {
    void schedule(long delayMillis, Runnable task);

    static FaultScheduler of(ScheduledExecutorService executor) {
        return (delayMillis, task) -> executor.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
    }
}
