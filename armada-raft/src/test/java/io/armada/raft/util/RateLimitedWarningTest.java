package io.armada.raft.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimitedWarningTest {
    @Test
    void oneWarningPerIntervalAndACountOfTheRest() {
        AtomicLong now = new AtomicLong(5);
        RateLimitedWarning warning = new RateLimitedWarning(1_000, now::get);
        assertThat(warning.tryAcquire()).isZero();
        for (int i = 0; i < 25; i++) {
            assertThat(warning.tryAcquire()).isEqualTo(-1);
        }
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(999));
        assertThat(warning.tryAcquire()).isEqualTo(-1);
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(1));
        assertThat(warning.tryAcquire()).isEqualTo(26);
        assertThat(warning.tryAcquire()).isEqualTo(-1);
    }
}
