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
 * One Raft group's outbound side of a connection: a unidirectional stream opened on first use and
 * the messages waiting for it. A group whose stream has no flow-control credit keeps its messages
 * here while other groups' streams keep flowing - the point of a stream per group. Event loop only.
 */
final class GroupOutbound {
    private static final Logger log = LoggerFactory.getLogger(GroupOutbound.class);

    private final PeerConnection connection;
    private final long groupId;
    private final ArrayDeque<byte[]> pending = new ArrayDeque<>();
    private long pendingBytes;
    private QuicStreamChannel stream;
    private boolean opening;
    private boolean touched;

    GroupOutbound(PeerConnection connection, long groupId) {
        this.connection = connection;
        this.groupId = groupId;
    }

    /** Adds a message; true if the group was not yet marked for writing in this drain. */
    boolean add(byte[] message) {
        pending.add(message);
        pendingBytes += message.length;
        boolean first = !touched;
        touched = true;
        return first;
    }

    /** Writes as much as the stream's flow-control credit takes, coalescing frames into batches. */
    void writePending() {
        touched = false;
        if (pending.isEmpty() || connection.isClosed()) {
            return;
        }
        if (stream == null) {
            if (!opening) {
                open();
            }
            return;
        }
        int maxBatchBytes = connection.maxWriteBatchBytes;
        while (!pending.isEmpty() && stream.isWritable()) {
            int frames = 0;
            int batchBytes = 0;
            for (byte[] message : pending) {
                int frameBytes = StreamHeader.FRAME_PREFIX_BYTES + message.length;
                if (frames > 0 && batchBytes + frameBytes > maxBatchBytes) {
                    break;
                }
                frames++;
                batchBytes += frameBytes;
            }
            ByteBuf batch = stream.alloc().directBuffer(batchBytes);
            long payloadBytes = 0;
            for (int i = 0; i < frames; i++) {
                byte[] message = pending.poll();
                if (message.length > connection.maxFrameBytes) {
                    batch.release();
                    throw new IllegalStateException("frame of " + message.length + " bytes passed the send check");
                }
                batch.writeInt(message.length).writeBytes(message);
                payloadBytes += message.length;
            }
            pendingBytes -= payloadBytes;
            connection.written(frames, payloadBytes);
            // Netty's QUIC stream hands the bytes to quiche and sends packets on write; flush is a no-op.
            stream.write(batch, stream.voidPromise());
        }
    }

    private void open() {
        opening = true;
        connection.channel.createStream(QuicStreamType.UNIDIRECTIONAL, new StreamEvents()).addListener(f -> {
            opening = false;
            if (!f.isSuccess()) {
                log.warn("cannot open a stream for group {} to node {}: {}", groupId, connection.link.peerId,
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
            writePending();
        });
    }

    /** The connection or stream is gone: these messages will never be sent. */
    void discardPending() {
        connection.discarded(pending.size(), pendingBytes);
        pending.clear();
        pendingBytes = 0;
    }

    /** Resumes writing when the stream regains credit; reopens if the stream dies under us. */
    private final class StreamEvents extends ChannelInboundHandlerAdapter {
        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel() == stream && stream.isWritable()) {
                writePending();
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (ctx.channel() == stream) {
                stream = null;
                if (!connection.isClosed()) {
                    writePending();
                }
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
