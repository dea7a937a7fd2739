package io.armada.raft.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.armada.raft.Message;
import io.armada.raft.MessageType;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class CoalescedHeartbeatsTest {
    @Test
    void heartbeatsOfManyGroupsRoundTripInOneFrame() {
        List<Message> heartbeats = List.of(
                Message.of(MessageType.HEARTBEAT, 7, 1, 2, 3).withCommit(5).withContext(9),
                Message.of(MessageType.HEARTBEAT_RESPONSE, 8, 1, 2, 4).withContext(1),
                Message.of(MessageType.HEARTBEAT, 1_000_000, 1, 2, 1));
        assertThat(CoalescedHeartbeats.decode(CoalescedHeartbeats.encode(heartbeats)))
                .isEqualTo(heartbeats);
    }

    @Test
    void malformedFramesAreRejectedNotMisread() {
        byte[] good = CoalescedHeartbeats.encode(List.of(Message.of(MessageType.HEARTBEAT, 7, 1, 2, 3)));
        assertThatThrownBy(() -> CoalescedHeartbeats.decode(Arrays.copyOf(good, good.length - 1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CoalescedHeartbeats.decode(Arrays.copyOf(good, good.length + 1)))
                .hasMessageContaining("trailing");
        assertThatThrownBy(() -> CoalescedHeartbeats.decode(
                        ByteBuffer.allocate(4).putInt(-1).array()))
                .hasMessageContaining("claims");
        byte[] append = CoalescedHeartbeats.encode(List.of(Message.of(MessageType.APPEND, 7, 1, 2, 3)));
        assertThatThrownBy(() -> CoalescedHeartbeats.decode(append)).hasMessageContaining("APPEND");
    }
}
