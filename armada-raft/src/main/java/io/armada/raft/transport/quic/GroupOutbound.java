package io.armada.raft.transport.quic;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Raft group's outbound side of a connection: a unidirectional stream opened on first use, the
 * messages waiting for it, and a cursor into the frame being written. The connection takes one
 * chunk at a time from each ready group in turn, so a large message is sliced and another
 * group's small message is never stuck behind it. Event loop only.
 */
final class GroupOutbound {
    private static final Logger log = LoggerFactory.getLogger(GroupOutbound.class);

    private final PeerConnection connection;
    private final long groupId;
    private final ArrayDeque<byte[]> pending = new ArrayDeque<>();
    /** Payload bytes of the queue plus the whole of {@link #current}: what the budget still holds. */
    private long pendingPayloadBytes;
    /** Bytes still to put on the wire: the queue's frames plus the rest of the current frame. */
    private long pendingWireBytes;

    private byte[] current;
    /** Bytes of the current frame (length prefix, then payload) already written. */
    private int currentOffset;

    private QuicStreamChannel stream;
    private boolean opening;
    /** In the connection's round-robin ring. */
    boolean inRing;

    GroupOutbound(PeerConnection connection, long groupId) {
        this.connection = connection;
        this.groupId = groupId;
    }

    void add(byte[] message) {
        if (message.length > connection.maxFrameBytes) {
            throw new IllegalStateException("frame of " + message.length + " bytes passed the send check");
        }
        pending.add(message);
        pendingPayloadBytes += message.length;
        pendingWireBytes += StreamHeader.FRAME_PREFIX_BYTES + message.length;
        wakeUp();
    }

    /** Joins the ring if there is something to write and a stream to write it to; opens one if needed. */
    private void wakeUp() {
        if (pendingWireBytes == 0 || connection.isClosed()) {
            return;
        }
        if (stream == null) {
            if (!opening) {
                open();
            }
        } else if (stream.isWritable()) {
            connection.ready(this);
        }
        // Otherwise the stream's writability event wakes the group up.
    }

    /**
     * Writes up to {@code maxChunkBytes} of queued frames, no more than the stream's known credit.
     *
     * @return the bytes written if the stream took them all and is still writable, else 0: then
     *     the stream's writability event, not the caller, resumes this group
     */
    long writeChunk(int maxChunkBytes) {
        if (pendingWireBytes == 0 || stream == null || !stream.isWritable()) {
            return 0;
        }
        long credit = stream.bytesBeforeUnwritable();
        // Without known credit one chunk still goes out: Netty holds it and reports writability
        // once credit returns - the event that wakes this group up again.
        long limit = credit > 0 ? Math.min(credit, maxChunkBytes) : maxChunkBytes;
        int chunk = (int) Math.min(limit, pendingWireBytes);
        ByteBuf out = stream.alloc().directBuffer(chunk);
        int completedMessages = 0;
        long completedPayloadBytes = 0;
        while (out.isWritable()) {
            if (current == null) {
                current = pending.poll();
                currentOffset = 0;
            }
            int length = current.length;
            while (currentOffset < StreamHeader.FRAME_PREFIX_BYTES && out.isWritable()) {
                out.writeByte(length >>> (8 * (StreamHeader.FRAME_PREFIX_BYTES - 1 - currentOffset)));
                currentOffset++;
            }
            int payloadOffset = currentOffset - StreamHeader.FRAME_PREFIX_BYTES;
            int n = Math.min(out.writableBytes(), length - payloadOffset);
            if (n > 0) {
                out.writeBytes(current, payloadOffset, n);
                currentOffset += n;
            }
            if (currentOffset == StreamHeader.FRAME_PREFIX_BYTES + length) {
                completedMessages++;
                completedPayloadBytes += length;
                current = null;
            }
        }
        pendingWireBytes -= chunk;
        pendingPayloadBytes -= completedPayloadBytes;
        if (completedMessages > 0) {
            connection.written(completedMessages, completedPayloadBytes);
        }
        stream.write(out, stream.voidPromise());
        return stream.isWritable() ? chunk : 0;
    }

    /** Whether the ring should keep this group after a chunk. */
    boolean wantsMore() {
        return pendingWireBytes > 0 && stream != null && stream.isWritable() && !connection.isClosed();
    }

    private void open() {
        opening = true;
        connection
                .channel
                .createStream(QuicStreamType.UNIDIRECTIONAL, new StreamEvents())
                .addListener(f -> {
                    opening = false;
                    if (!f.isSuccess()) {
                        log.warn(
                                "cannot open a stream for group {} to node {}: {}",
                                groupId,
                                connection.link.peerId,
                                f.cause().toString());
                        discardPending();
                        return;
                    }
                    QuicStreamChannel opened = (QuicStreamChannel) f.getNow();
                    if (connection.isClosed()) {
                        opened.close();
                        return;
                    }
                    stream = opened;
                    ByteBuf header = opened.alloc().directBuffer(StreamHeader.BYTES);
                    new StreamHeader(StreamHeader.Kind.GROUP, connection.selfId, groupId).writeTo(header);
                    opened.write(header, opened.voidPromise());
                    wakeUp();
                });
    }

    /** The connection is gone, or the stream refused: none of these messages will be sent. */
    void discardPending() {
        connection.discarded(pending.size() + (current != null ? 1 : 0), pendingPayloadBytes);
        pending.clear();
        current = null;
        pendingPayloadBytes = 0;
        pendingWireBytes = 0;
    }

    /**
     * The stream died under us. A half-written frame is dropped - its tail on a new stream would be
     * misread as a header - and the rest goes out on a new stream.
     */
    private void streamLost() {
        stream = null;
        if (current != null) {
            pendingWireBytes -= StreamHeader.FRAME_PREFIX_BYTES + current.length - currentOffset;
            pendingPayloadBytes -= current.length;
            connection.discarded(1, current.length);
            current = null;
        }
        wakeUp();
    }

    private final class StreamEvents extends ChannelInboundHandlerAdapter {
        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel() == stream && stream.isWritable()) {
                wakeUp();
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (ctx.channel() == stream) {
                streamLost();
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("stream of group {} to node {} failed: {}", groupId, connection.link.peerId, cause.toString());
            ctx.close();
        }
    }
}
