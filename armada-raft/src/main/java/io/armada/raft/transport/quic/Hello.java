package io.armada.raft.transport.quic;

import io.armada.raft.transport.tls.NodeIdentity;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The first frame of each side's control stream: the cluster the sender belongs to, its node id
 * and the node it means to talk to. The dialer says it first; the acceptor checks it against its
 * own configuration and answers with its own hello only if it accepts, so the dialer counts a
 * connection as established (and resets its redial backoff) only on the acceptor's verdict - as
 * etcd checks a cluster id on peer traffic, a node of another cluster whose certificate comes from
 * the same authority is refused here even if its certificate check were to pass.
 *
 * <p>Wire form: sender id (8 bytes), receiver id (8), cluster name length (1), cluster name (ASCII).
 */
record Hello(String clusterName, long senderNodeId, long receiverNodeId) {
    /** Largest encoded hello; a longer frame on a control stream breaks the protocol. */
    static final int MAX_BYTES = 8 + 8 + 1 + NodeIdentity.MAX_CLUSTER_NAME_LENGTH;

    Hello {
        NodeIdentity.requireValidClusterName(clusterName);
    }

    byte[] encode() {
        byte[] name = clusterName.getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(17 + name.length)
                .putLong(senderNodeId)
                .putLong(receiverNodeId)
                .put((byte) name.length)
                .put(name)
                .array();
    }

    /** @throws StreamHeader.ProtocolViolation if {@code frame} is not a well-formed hello */
    static Hello decode(byte[] frame) {
        if (frame.length < 18 || frame.length > MAX_BYTES || (frame[16] & 0xff) != frame.length - 17) {
            throw new StreamHeader.ProtocolViolation("malformed hello of " + frame.length + " bytes");
        }
        ByteBuffer in = ByteBuffer.wrap(frame);
        long sender = in.getLong();
        long receiver = in.getLong();
        String name = new String(frame, 17, frame.length - 17, StandardCharsets.US_ASCII);
        try {
            return new Hello(name, sender, receiver);
        } catch (IllegalArgumentException e) {
            throw new StreamHeader.ProtocolViolation("hello: " + e.getMessage());
        }
    }
}
