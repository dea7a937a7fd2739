package io.armada.raft.transport.fault;

import java.util.PriorityQueue;

/**
 * A scheduler whose clock moves only when the test calls {@link #advance}: tasks run on the
 * caller's thread in due-time order (ties in scheduling order), so delays replay exactly.
 */
public final class ManualScheduler implements FaultScheduler {
    private record Task(long dueMillis, long sequence, Runnable runnable) {}

    private final PriorityQueue<Task> tasks = new PriorityQueue<>((a, b) ->
            a.dueMillis != b.dueMillis ? Long.compare(a.dueMillis, b.dueMillis) : Long.compare(a.sequence, b.sequence));
    private long nowMillis;
    private long sequence;

    @Override
    public synchronized void schedule(long delayMillis, Runnable task) {
        if (delayMillis < 0) {
            throw new IllegalArgumentException("delayMillis: " + delayMillis + " is outside >= 0");
        }
        tasks.add(new Task(nowMillis + delayMillis, sequence++, task));
    }

    /** Moves the clock forward, running every task that falls due (including ones scheduled meanwhile). */
    public void advance(long millis) {
        if (millis < 0) {
            throw new IllegalArgumentException("millis: " + millis + " is outside >= 0");
        }
        long target;
        synchronized (this) {
            target = nowMillis + millis;
        }
        while (true) {
            Task next;
            synchronized (this) {
                Task head = tasks.peek();
                if (head == null || head.dueMillis > target) {
                    nowMillis = target;
                    return;
                }
                next = tasks.poll();
                nowMillis = next.dueMillis;
            }
            next.runnable.run();
        }
    }

    public synchronized long nowMillis() {
        return nowMillis;
    }

    public synchronized int pendingTasks() {
        return tasks.size();
    }
}
