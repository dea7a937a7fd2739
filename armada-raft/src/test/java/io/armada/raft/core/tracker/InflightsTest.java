package io.armada.raft.core.tracker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class InflightsTest {

    @Test
    void theWindowIsFullAtItsMessageLimit() {
        Inflights in = new Inflights(3, 1 << 20);
        in.add(1, 10);
        in.add(2, 10);
        assertThat(in.full()).isFalse();
        in.add(3, 10);
        assertThat(in.full()).isTrue();
        assertThat(in.count()).isEqualTo(3);
        assertThat(in.bytes()).isEqualTo(30);
    }

    @Test
    void theWindowIsFullOnceItsBytesReachTheLimit() {
        Inflights in = new Inflights(100, 100);
        in.add(1, 60);
        assertThat(in.full()).isFalse();
        assertThat(in.remainingBytes()).isEqualTo(40);
        in.add(2, 40);
        assertThat(in.full()).as("exactly at the byte limit").isTrue();
        assertThat(in.remainingBytes()).isZero();
    }

    @Test
    void oneMessageLargerThanTheByteLimitFillsTheWindowAndLeavesNoNegativeRoom() {
        Inflights in = new Inflights(100, 100);
        in.add(1, 250);
        assertThat(in.full()).isTrue();
        assertThat(in.remainingBytes()).isZero();
    }

    @Test
    void addingToAFullWindowFails() {
        Inflights in = new Inflights(1, 1 << 20);
        in.add(1, 1);
        assertThatThrownBy(() -> in.add(2, 1)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void indexesMustIncrease() {
        Inflights in = new Inflights(4, 1 << 20);
        in.add(5, 1);
        assertThatThrownBy(() -> in.add(5, 1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> in.add(4, 1)).isInstanceOf(IllegalStateException.class);
        assertThat(in.count()).isEqualTo(1);
    }

    @Test
    void freeingToAnIndexReleasesEveryMessageEndingAtOrBeforeIt() {
        Inflights in = new Inflights(5, 1 << 20);
        in.add(2, 10);
        in.add(4, 20);
        in.add(6, 30);
        in.add(8, 40);
        in.freeLE(1); // before the first message's last index: frees nothing
        assertThat(in.count()).isEqualTo(4);
        in.freeLE(5); // frees the messages ending at 2 and 4, not the one ending at 6
        assertThat(in.count()).isEqualTo(2);
        assertThat(in.bytes()).isEqualTo(70);
        in.freeLE(6); // exactly a message's last index frees it
        assertThat(in.count()).isEqualTo(1);
        assertThat(in.bytes()).isEqualTo(40);
        in.freeLE(3); // a stale acknowledgement changes nothing
        assertThat(in.count()).isEqualTo(1);
        in.freeLE(100);
        assertThat(in.count()).isZero();
        assertThat(in.bytes()).isZero();
    }

    @Test
    void freeingAFullWindowMakesRoomAgain() {
        Inflights in = new Inflights(2, 1 << 20);
        in.add(1, 1);
        in.add(2, 1);
        assertThat(in.full()).isTrue();
        in.freeLE(1);
        assertThat(in.full()).isFalse();
        in.add(3, 1);
        assertThat(in.full()).isTrue();
    }

    @Test
    void theRingWrapsAroundAndKeepsTheOrderOfMessages() {
        Inflights in = new Inflights(3, 1 << 20);
        long next = 1;
        for (int round = 0; round < 10; round++) {
            while (!in.full()) {
                in.add(next, next);
                next++;
            }
            // frees the oldest two; the third (newest) stays
            in.freeLE(next - 2);
            assertThat(in.count()).isEqualTo(1);
            assertThat(in.bytes()).isEqualTo(next - 1);
        }
        in.freeLE(next - 2);
        assertThat(in.count())
                .as("an acknowledgement below the last message frees nothing")
                .isEqualTo(1);
        in.freeLE(next - 1);
        assertThat(in.count()).isZero();
    }

    @Test
    void resetEmptiesTheWindow() {
        Inflights in = new Inflights(2, 100);
        in.add(1, 60);
        in.add(2, 60);
        in.reset();
        assertThat(in.count()).isZero();
        assertThat(in.bytes()).isZero();
        assertThat(in.full()).isFalse();
        assertThat(in.remainingBytes()).isEqualTo(100);
        in.add(1, 1); // indexes may start over after a reset (the leader probes again)
        assertThat(in.count()).isEqualTo(1);
    }

    @Test
    void limitsMustBePositive() {
        assertThatThrownBy(() -> new Inflights(0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Inflights(1, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
