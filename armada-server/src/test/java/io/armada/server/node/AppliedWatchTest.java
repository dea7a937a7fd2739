package io.armada.server.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Waiters on a table's position are released off the thread that advanced it: that thread is a Raft
 * worker, which advances in the middle of a round (a snapshot install, before the log drops its old
 * tail), and a waiter reading the log there could serve that tail as committed (issue 13, finding 2).
 */
class AppliedWatchTest {
    @Test
    void waitersNeverRunOnTheThreadThatAdvances() throws Exception {
        AppliedWatch watch = new AppliedWatch(3);
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        CompletableFuture<Void> waiter = watch.atLeast(5).thenRun(() -> ranOn.set(Thread.currentThread()));
        watch.advance(4);
        assertThat(waiter).isNotDone();
        watch.advance(7);
        waiter.get(10, TimeUnit.SECONDS);
        assertThat(ranOn.get()).isNotNull().isNotSameAs(Thread.currentThread());
        assertThat(watch.atLeast(6)).as("a position already reached").isDone();
    }
}
