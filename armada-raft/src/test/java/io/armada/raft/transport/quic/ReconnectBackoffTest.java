package io.armada.raft.transport.quic;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ReconnectBackoffTest {
    @Test
    void delaysDoubleWithJitterUpToTheCapAndResetAfterSuccess() {
        ReconnectBackoff backoff = new ReconnectBackoff(50, 2_000, new SplittableRandom(1));
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
        ReconnectBackoff a = new ReconnectBackoff(1_000, 1_000, new SplittableRandom(1));
        ReconnectBackoff b = new ReconnectBackoff(1_000, 1_000, new SplittableRandom(2));
        long same = 0;
        for (int i = 0; i < 100; i++) {
            if (a.nextDelayMillis() == b.nextDelayMillis()) {
                same++;
            }
        }
        assertThat(same).isLessThan(5);
    }
}
