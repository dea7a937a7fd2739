package io.armada.raft.core.tracker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.armada.raft.ConfState;
import io.armada.raft.SnapshotMeta;
import org.junit.jupiter.api.Test;

class SnapshotTransferTest {
    private static final SnapshotMeta META = new SnapshotMeta(50, 4, ConfState.ofVoters(1L, 2L, 3L));

    @Test
    void aDuplicateAcknowledgementDoesNotRestartTheIdleCount() {
        // a follower that keeps answering with the same expected byte makes no progress: the leader must still
        // re-send its window once the idle timeout passes, or a lost chunk would stall the transfer for good
        SnapshotTransfer t = new SnapshotTransfer(META, 2, 1);
        t.sent(100, false);
        t.sent(200, false);
        t.acked(100);
        assertThat(t.tickIdle(3)).isFalse();
        assertThat(t.tickIdle(3)).isFalse();
        t.acked(100);
        assertThat(t.inflightChunks()).isEqualTo(1);
        assertThat(t.tickIdle(3)).isTrue();
    }

    @Test
    void aWindowOfChunksIsSentUntilItIsFull() {
        SnapshotTransfer t = new SnapshotTransfer(META, 2, 7);
        assertThat(t.pass()).isEqualTo(7);
        assertThat(t.inFirstPass()).isTrue();
        assertThat(t.canSend()).isTrue();
        assertThat(t.sentOffset()).isZero();
        t.sent(100, false);
        t.sent(200, false);
        assertThat(t.canSend()).isFalse();
        assertThat(t.inflightChunks()).isEqualTo(2);
        assertThat(t.sentOffset()).isEqualTo(200);
        assertThatThrownBy(() -> t.sent(300, false)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void anAcknowledgementFreesTheChunksItCovers() {
        SnapshotTransfer t = new SnapshotTransfer(META, 3, 1);
        t.sent(100, false);
        t.sent(200, false);
        t.sent(300, false);
        t.acked(150); // within the second chunk: only the first is covered
        assertThat(t.inflightChunks()).isEqualTo(2);
        assertThat(t.ackedOffset()).isEqualTo(150);
        assertThat(t.canSend()).isTrue();
        t.acked(300);
        assertThat(t.inflightChunks()).isZero();
        assertThat(t.sentOffset()).isEqualTo(300);
    }

    @Test
    void aStaleOrDuplicateAcknowledgementChangesNothing() {
        SnapshotTransfer t = new SnapshotTransfer(META, 2, 1);
        t.sent(100, false);
        t.sent(200, false);
        t.acked(100);
        t.acked(100);
        t.acked(50);
        assertThat(t.ackedOffset()).isEqualTo(100);
        assertThat(t.inflightChunks()).isEqualTo(1);
    }

    @Test
    void nothingIsSentAfterTheLastChunk() {
        SnapshotTransfer t = new SnapshotTransfer(META, 4, 1);
        t.sent(100, false);
        t.sent(120, true);
        assertThat(t.canSend())
                .as("the window has room but the snapshot is complete")
                .isFalse();
        t.acked(120);
        assertThat(t.canSend()).isFalse();
    }

    @Test
    void anAcknowledgementBeyondWhatWasSentMovesTheWindowThere() {
        // the follower kept bytes of an earlier transfer of the same snapshot
        SnapshotTransfer t = new SnapshotTransfer(META, 2, 5);
        t.sent(100, false);
        t.acked(700);
        assertThat(t.sentOffset()).isEqualTo(700);
        assertThat(t.inflightChunks()).isZero();
        t.sent(800, false);
        assertThat(t.sentOffset()).isEqualTo(800);
    }

    @Test
    void chunksMayNotGoBackwards() {
        SnapshotTransfer t = new SnapshotTransfer(META, 4, 1);
        t.sent(100, false);
        assertThatThrownBy(() -> t.sent(50, false)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aRewindStartsANewPassFromTheFirstMissingByte() {
        SnapshotTransfer t = new SnapshotTransfer(META, 3, 1);
        t.sent(100, false);
        t.sent(200, false);
        t.sent(300, true);
        t.acked(100);
        t.rewindTo(100, 2); // chunk [100, 200) was lost
        assertThat(t.pass()).isEqualTo(2);
        assertThat(t.inFirstPass()).isFalse();
        assertThat(t.sentOffset()).isEqualTo(100);
        assertThat(t.ackedOffset()).isEqualTo(100);
        assertThat(t.inflightChunks()).isZero();
        assertThat(t.canSend()).as("the last chunk must be sent again").isTrue();
    }

    @Test
    void aRewindNeverGoesBelowTheAcknowledgedByteNorBeyondTheSentOne() {
        SnapshotTransfer t = new SnapshotTransfer(META, 3, 1);
        t.sent(100, false);
        t.sent(200, false);
        t.acked(100);
        t.rewindTo(0, 2);
        assertThat(t.sentOffset()).as("what was acknowledged is kept").isEqualTo(100);
        t.sent(200, false);
        t.rewindTo(900, 3);
        assertThat(t.sentOffset()).as("not past what was ever sent").isEqualTo(200);
    }

    @Test
    void passesOnlyGrow() {
        SnapshotTransfer t = new SnapshotTransfer(META, 2, 4);
        assertThatThrownBy(() -> t.rewindTo(0, 4)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> t.rewindTo(0, 3)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void onlyResponsesToPassesOfThisTransferAreOwned() {
        SnapshotTransfer t = new SnapshotTransfer(META, 2, 4);
        t.rewindTo(0, 6);
        assertThat(t.owns(3)).as("an earlier transfer's pass").isFalse();
        assertThat(t.owns(4)).isTrue();
        assertThat(t.owns(5)).isTrue();
        assertThat(t.owns(6)).isTrue();
        assertThat(t.owns(7)).as("a pass not started yet").isFalse();
    }

    @Test
    void aSilentWindowTimesOutAfterTheGivenTicksAndAnAcknowledgementRestartsTheCount() {
        SnapshotTransfer t = new SnapshotTransfer(META, 2, 1);
        t.sent(100, false);
        assertThat(t.tickIdle(3)).isFalse();
        assertThat(t.tickIdle(3)).isFalse();
        t.acked(100);
        assertThat(t.tickIdle(3)).isFalse();
        assertThat(t.tickIdle(3)).isFalse();
        assertThat(t.tickIdle(3)).isTrue();
        t.rewindTo(100, 2);
        assertThat(t.tickIdle(3)).as("a rewind restarts the count").isFalse();
    }

    @Test
    void anEmptySnapshotIsSentAsOneEmptyLastChunk() {
        SnapshotTransfer t = new SnapshotTransfer(META, 2, 1);
        t.sent(0, true);
        assertThat(t.inflightChunks()).isEqualTo(1);
        assertThat(t.canSend()).isFalse();
    }

    @Test
    void aChunkEndingAtTheAcknowledgedByteIsFreedAndOneBeyondItIsNot() {
        SnapshotTransfer t = new SnapshotTransfer(META, 3, 1);
        t.sent(100, false);
        t.sent(200, false);
        t.sent(300, false);
        t.acked(200);
        assertThat(t.inflightChunks()).isEqualTo(1);
        assertThat(t.sentOffset())
                .as("an acknowledgement within what was sent does not move it")
                .isEqualTo(300);
        t.acked(299);
        assertThat(t.inflightChunks()).isEqualTo(1);
        t.acked(300);
        assertThat(t.inflightChunks()).isZero();
        t.sent(400, true);
        assertThat(t.inflightChunks()).isEqualTo(1);
    }
}
