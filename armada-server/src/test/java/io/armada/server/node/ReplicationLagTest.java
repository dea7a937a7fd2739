package io.armada.server.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ReplicationLagTest {
    private final AtomicLong position = new AtomicLong();
    private final AtomicLong clock = new AtomicLong(1_000);
    private final ReplicationLag lag = new ReplicationLag(position::get, clock::get);

    @Test
    void unknownUntilTheFirstLeaderPosition() {
        assertThat(lag.known()).isFalse();
        assertThat(lag.lagEntries()).isZero();
        lag.leaderClusterAt(7, 6);
        assertThat(lag.known()).isTrue();
        assertThat(lag.leaderClusterRevision()).isEqualTo(6);
    }

    @Test
    void lagFollowsThisNodesPositionAndTheTimeSinceItWasInSync() {
        position.set(10);
        lag.leaderClusterAt(10, 10);
        assertThat(lag.lagEntries()).isZero();
        assertThat(lag.outOfSyncMillis()).isZero();

        clock.addAndGet(500);
        lag.leaderClusterAt(25, 24); // the leader moved on; this node is still at 10
        clock.addAndGet(1_500);
        assertThat(lag.lagEntries()).isEqualTo(15);
        assertThat(lag.outOfSyncMillis()).isEqualTo(2_000); // in sync last at the first observation

        position.set(25);
        assertThat(lag.lagEntries()).isZero();
        assertThat(lag.outOfSyncMillis()).isZero();
    }

    @Test
    void anOlderObservationNeverMovesTheLeaderBack() {
        lag.leaderClusterAt(30, 29);
        lag.leaderClusterAt(20, 19); // a batch pulled earlier, applied after a newer pull was seen
        assertThat(lag.leaderClusterRevision()).isEqualTo(29);
        assertThat(lag.lagEntries()).isEqualTo(30);
    }

    @Test
    void anUnreachableLeaderClusterCountsAsOutOfSyncEvenWithNothingPending() {
        position.set(5);
        lag.leaderClusterAt(5, 5);
        lag.unreachable("connection refused");
        clock.addAndGet(3_000);
        assertThat(lag.outOfSyncMillis()).isEqualTo(3_000);
        assertThat(lag.lastError()).isEqualTo("connection refused");
        lag.leaderClusterAt(5, 5);
        assertThat(lag.outOfSyncMillis()).isZero();
    }
}
