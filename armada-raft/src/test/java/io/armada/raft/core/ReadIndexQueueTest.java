package io.armada.raft.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.armada.raft.core.ReadIndexQueue.PendingRead;
import org.junit.jupiter.api.Test;

class ReadIndexQueueTest {

    @Test
    void theFirstReadOpensARoundAndLaterOnesJoinItUntilItsHeartbeatsAreHandedOut() {
        ReadIndexQueue q = new ReadIndexQueue(10);
        assertThat(q.round()).isZero();
        assertThat(q.register(1, 100, 5)).as("a new round must be broadcast").isTrue();
        assertThat(q.round()).isEqualTo(1);
        assertThat(q.register(2, 101, 5)).as("joins the open round").isFalse();
        q.closeRound();
        assertThat(q.register(1, 102, 6)).isTrue();
        assertThat(q.round()).isEqualTo(2);
        assertThat(q.confirmed(2))
                .containsExactly(
                        new PendingRead(1, 100, 5, 1), new PendingRead(2, 101, 5, 1), new PendingRead(1, 102, 6, 2));
    }

    /**
     * Reference: section 8 - a read may be served only after a heartbeat round started after it arrived:
     * an echo of an earlier round does not prove the leader still led when the read came.
     */
    @Test
    void aConfirmedRoundReleasesOnlyTheReadsOfThatRoundOrEarlierInArrivalOrder() {
        ReadIndexQueue q = new ReadIndexQueue(10);
        q.register(1, 1, 5);
        q.register(1, 2, 5);
        q.closeRound();
        q.register(3, 3, 7);
        q.closeRound();
        q.register(1, 4, 8);
        assertThat(q.confirmed(0)).isEmpty();
        assertThat(q.confirmed(1)).extracting(PendingRead::requestId).containsExactly(1L, 2L);
        assertThat(q.confirmed(1)).as("released once").isEmpty();
        assertThat(q.confirmed(3)).extracting(PendingRead::requestId).containsExactly(3L, 4L);
    }

    @Test
    void aLateEchoOfAnOlderRoundReleasesNothingNewer() {
        ReadIndexQueue q = new ReadIndexQueue(10);
        q.register(1, 1, 5);
        q.closeRound();
        q.register(1, 2, 6);
        assertThat(q.confirmed(2)).extracting(PendingRead::requestId).containsExactly(1L, 2L);
        q.closeRound();
        q.register(1, 3, 7);
        assertThat(q.confirmed(2)).as("round 3 was not echoed").isEmpty();
    }

    @Test
    void readsWaitingForTheLeadersFirstCommitAreDrainedInArrivalOrder() {
        ReadIndexQueue q = new ReadIndexQueue(10);
        q.waitForCommit(2, 10);
        q.waitForCommit(1, 11);
        assertThat(q.drainWaitingForCommit())
                .containsExactly(new PendingRead(2, 10, 0, 0), new PendingRead(1, 11, 0, 0));
        assertThat(q.drainWaitingForCommit()).isEmpty();
        assertThat(q.round()).as("waiting reads start no round").isZero();
    }

    @Test
    void theLimitCountsWaitingAndPendingReadsTogether() {
        ReadIndexQueue q = new ReadIndexQueue(3);
        q.waitForCommit(1, 1);
        q.register(1, 2, 5);
        assertThat(q.full()).isFalse();
        q.register(1, 3, 5);
        assertThat(q.full()).isTrue();
        assertThatThrownBy(() -> q.register(1, 4, 5)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> q.waitForCommit(1, 4)).isInstanceOf(IllegalStateException.class);
        q.confirmed(1);
        assertThat(q.full()).as("released reads free room").isFalse();
        q.drainWaitingForCommit();
        q.register(1, 4, 5);
        q.register(1, 5, 5);
        assertThat(q.full()).isFalse();
    }
}
