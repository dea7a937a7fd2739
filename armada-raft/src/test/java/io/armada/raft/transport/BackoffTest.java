package io.armada.raft.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BackoffTest {
    @Test
    void delaysDoubleWithJitterUpToTheCapAndResetAfterSuccess() {
        Backoff backoff = new Backoff(50, 2_000, new SplittableRandom(1));
        long[] ceilings = {50, 100, 200, 400, 800, 1_600, 2_000, 2_000, 2_000};
        for (long ceiling : ceilings) {
            assertThat(backoff.nextDelayMillis()).isBetween(ceiling / 2, ceiling);
        }
        for (int i = 0; i < 100; i++) {
            assertThat(backoff.nextDelayMillis()).isBetween(1_000L, 2_000L);
        }
        backoff.reset();
        assertThat(backoff.nextDelayMillis()).isBetween(25L, 50L);
    }

    @Test
    void jitterSpreadsRedialsOfNodesThatFailedTogether() {
        Backoff a = new Backoff(1_000, 1_000, new SplittableRandom(1));
        Backoff b = new Backoff(1_000, 1_000, new SplittableRandom(2));
        long same = 0;
        for (int i = 0; i < 100; i++) {
            if (a.nextDelayMillis() == b.nextDelayMillis()) {
                same++;
            }
        }
        assertThat(same).isLessThan(5);
    }

    @Test
    void theAttemptNumberGivesTheSameBoundsAsCountingFailures() {
        SplittableRandom random = new SplittableRandom(3);
        assertThat(Backoff.delayMillis(100, 5_000, 0, random)).isBetween(50L, 100L);
        assertThat(Backoff.delayMillis(100, 5_000, 3, random)).isBetween(400L, 800L);
        assertThat(Backoff.delayMillis(100, 5_000, 6, random)).isBetween(2_500L, 5_000L);
        assertThat(Backoff.delayMillis(100, 5_000, 1_000, random)).isBetween(2_500L, 5_000L);
        assertThatThrownBy(() -> Backoff.delayMillis(100, 5_000, -1, random))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("negative");
        assertThatThrownBy(() -> new Backoff(0, 10, random)).hasMessageContaining("0..10 ms is invalid");
    }
}
