package io.armada.raft.engine;

import io.armada.raft.Message;
import io.armada.raft.MessageCodec;
import io.armada.raft.MessageType;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Heartbeats (and their responses) of many groups between one pair of nodes, in one transport
 * message on the reserved group {@link #GROUP_ID}: with hundreds of mostly idle tables, a node
 * sends one frame per peer per heartbeat interval instead of one per group. The Raft core is
 * unaffected — each heartbeat is stepped into its group as if it had come alone (heartbeats carry a
 * commit index the follower is known to hold, so their reordering against appends is harmless).
 *
 * <p>Frame: {@code [count:4]} then {@code [length:4][MessageCodec bytes]} per message.
 */
final class CoalescedHeartbeats {
    /** The transport group id of coalesced frames; no Raft group may use it. */
    static final long GROUP_ID = 0;
    /** More heartbeats than any node pair shares groups would be a corrupt or hostile frame. */
    static final int MAX_MESSAGES = 1_000_000;

    private CoalescedHeartbeats() {}

    static boolean coalescible(Message m) {
        return m.type() == MessageType.HEARTBEAT || m.type() == MessageType.HEARTBEAT_RESPONSE;
    }

    static byte[] encode(List<Message> messages) {
        List<byte[]> encoded = new ArrayList<>(messages.size());
        int size = 4;
        for (Message m : messages) {
            byte[] b = MessageCodec.encode(m);
            encoded.add(b);
            size += 4 + b.length;
        }
        ByteBuffer out = ByteBuffer.allocate(size).putInt(encoded.size());
        for (byte[] b : encoded) {
            out.putInt(b.length).put(b);
        }
        return out.array();
    }

    /** Decodes a frame; throws IllegalArgumentException on anything malformed. */
    static List<Message> decode(byte[] frame) {
        ByteBuffer in = ByteBuffer.wrap(frame);
        if (in.remaining() < 4) {
            throw new IllegalArgumentException("coalesced frame of " + frame.length + " bytes");
        }
        int count = in.getInt();
        if (count < 0 || count > MAX_MESSAGES) {
            throw new IllegalArgumentException("coalesced frame claims " + count + " messages");
        }
        List<Message> out = new ArrayList<>(Math.min(count, 1024));
        for (int i = 0; i < count; i++) {
            if (in.remaining() < 4) {
                throw new IllegalArgumentException("coalesced frame truncated at message " + i);
            }
            int length = in.getInt();
            if (length < 0 || length > in.remaining()) {
                throw new IllegalArgumentException("coalesced frame: message " + i + " of " + length + " bytes");
            }
            byte[] b = new byte[length];
            in.get(b);
            Message m = MessageCodec.decode(b);
            if (!coalescible(m)) {
                throw new IllegalArgumentException("coalesced frame carries a " + m.type());
            }
            out.add(m);
        }
        if (in.hasRemaining()) {
            throw new IllegalArgumentException("coalesced frame has " + in.remaining() + " trailing bytes");
        }
        return out;
    }
}
