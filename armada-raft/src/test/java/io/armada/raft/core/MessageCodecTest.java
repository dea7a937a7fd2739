package io.armada.raft.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.armada.raft.ConfState;
import io.armada.raft.Entry;
import io.armada.raft.EntryType;
import io.armada.raft.Message;
import io.armada.raft.MessageCodec;
import io.armada.raft.MessageType;
import io.armada.raft.SnapshotChunk;
import io.armada.raft.SnapshotMeta;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class MessageCodecTest {

    @Test
    void everyMessageTypeRoundTripsWithAllFields() {
        SnapshotMeta meta = new SnapshotMeta(42, 7, ConfState.of(List.of(1L, 2L, 3L), List.of(9L)));
        for (MessageType type : MessageType.values()) {
            boolean snap = type == MessageType.SNAPSHOT || type == MessageType.SNAPSHOT_RESPONSE;
            Message m = new Message(
                    type,
                    77,
                    1,
                    2,
                    9,
                    8,
                    100,
                    List.of(
                            new Entry(9, 101, EntryType.NORMAL, "hello".getBytes(StandardCharsets.UTF_8)),
                            new Entry(9, 102, EntryType.NOOP, new byte[0]),
                            new Entry(9, 103, EntryType.CONF_CHANGE, new byte[] {1, 2})),
                    99,
                    true,
                    55,
                    Long.MAX_VALUE,
                    snap ? new SnapshotChunk(meta, 4096, new byte[] {5, 6, 7}, true) : null);

            Message back = MessageCodec.decode(MessageCodec.encode(m));

            assertThat(back).isEqualTo(m);
            assertThat(back.type()).isEqualTo(type);
        }
    }

    @Test
    void emptyMessageRoundTrips() {
        Message m = Message.of(MessageType.HEARTBEAT, 1, 2, 3, 4);
        assertThat(MessageCodec.decode(MessageCodec.encode(m))).isEqualTo(m);
    }

    @Test
    void garbageIsRejectedWithIllegalArgument() {
        assertThatThrownBy(() -> MessageCodec.decode(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff}))
                .isInstanceOf(IllegalArgumentException.class);
        // a valid protobuf with type 0 (unspecified) is not a raft message either
        assertThatThrownBy(() -> MessageCodec.decode(new byte[0])).isInstanceOf(IllegalArgumentException.class);
    }
}
