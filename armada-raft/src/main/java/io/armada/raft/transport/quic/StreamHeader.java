package io.armada.raft.transport.quic;

import io.netty.buffer.ByteBuf;

/**
 * The first bytes of every stream: magic, version, kind, sender node id, group id. The receiver
 * checks the sender id against the peer's certificate, so a stream cannot speak for another node.
 * After the header come frames: a 4-byte big-endian length, then that many bytes of message.
 */
record StreamHeader(Kind kind, long senderNodeId, long groupId) {
    /** "ARFT": Armada Raft transport. */
    static final int MAGIC = 0x41524654;
    /** 2: both sides open a control stream whose first frame is a {@link Hello}. */
    static final byte VERSION = 2;

    static final int BYTES = 4 + 1 + 1 + 8 + 8;
    static final int FRAME_PREFIX_BYTES = 4;

    /** What a stream carries: one Raft group's messages, or a side's hello (and the dialer's keep-alive pings). */
    enum Kind {
        GROUP(1),
        CONTROL(2);

        final byte code;

        Kind(int code) {
            this.code = (byte) code;
        }

        static Kind of(byte code) {
            for (Kind kind : values()) {
                if (kind.code == code) {
                    return kind;
                }
            }
            return null;
        }
    }

    void writeTo(ByteBuf out) {
        out.writeInt(MAGIC)
                .writeByte(VERSION)
                .writeByte(kind.code)
                .writeLong(senderNodeId)
                .writeLong(groupId);
    }

    /**
     * Parses {@link #BYTES} bytes at the reader index of {@code in}.
     *
     * @throws ProtocolViolation on a wrong magic, version or kind
     */
    static StreamHeader readFrom(ByteBuf in) {
        int magic = in.readInt();
        byte version = in.readByte();
        byte kindCode = in.readByte();
        long sender = in.readLong();
        long group = in.readLong();
        if (magic != MAGIC) {
            throw new ProtocolViolation("stream magic " + Integer.toHexString(magic));
        }
        if (version != VERSION) {
            throw new ProtocolViolation("stream version " + version);
        }
        Kind kind = Kind.of(kindCode);
        if (kind == null) {
            throw new ProtocolViolation("stream kind " + kindCode);
        }
        return new StreamHeader(kind, sender, group);
    }

    /** The peer broke the wire format; the connection is closed with {@link CloseCodes#PROTOCOL_VIOLATION}. */
    static final class ProtocolViolation extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ProtocolViolation(String message) {
            super(message, null, false, false);
        }
    }
}
