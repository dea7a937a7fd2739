package io.armada.raft.transport.quic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class OutboundBudgetTest {
    @Test
    void refusesOnceEitherBoundWouldBeExceeded() {
        OutboundBudget byCount = new OutboundBudget(1_000_000, 3);
        assertThat(byCount.tryReserve(10)).isTrue();
        assertThat(byCount.tryReserve(10)).isTrue();
        assertThat(byCount.tryReserve(10)).isTrue();
        assertThat(byCount.tryReserve(0)).isFalse();
        byCount.release(1, 10);
        assertThat(byCount.tryReserve(10)).isTrue();

        OutboundBudget byBytes = new OutboundBudget(100, 1_000);
        assertThat(byBytes.tryReserve(60)).isTrue();
        assertThat(byBytes.tryReserve(41)).isFalse();
        assertThat(byBytes.tryReserve(40)).isTrue();
        assertThat(byBytes.queuedBytes()).isEqualTo(100);
        assertThat(byBytes.queuedMessages()).isEqualTo(2);
        byBytes.release(2, 100);
        assertThat(byBytes.queuedBytes()).isZero();
        assertThat(byBytes.queuedMessages()).isZero();
    }

    @Test
    void releasingMoreThanReservedIsABug() {
        OutboundBudget budget = new OutboundBudget(100, 10);
        budget.tryReserve(5);
        assertThatThrownBy(() -> budget.release(1, 6)).isInstanceOf(IllegalStateException.class);
    }
}
