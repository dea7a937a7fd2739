package io.armada.raft.transport.quic;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one inbound stream: the header, then length-prefixed frames, each delivered as soon as its
 * last byte arrives. Payload bytes are copied straight from QUIC's buffers into the message array,
 * so a large frame is never accumulated twice. The first frame of a control stream is the peer's
 * {@link Hello}; group messages arriving before the hellos have checked out are dropped. Breaking
 * the format closes the whole connection.
 */
final class InboundStreamReader extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(InboundStreamReader.class);

    private final PeerConnection connection;
    private final byte[] scratch = new byte[StreamHeader.BYTES];
    private int scratchFilled;
    private StreamHeader header;
    private byte[] message;
    private int messageFilled;
    private boolean failed;
    /** Control stream only: its first frame, the hello, has been read. */
    private boolean helloRead;

    InboundStreamReader(PeerConnection connection) {
        this.connection = connection;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        try {
            if (!failed) {
                read(in);
            }
        } catch (StreamHeader.ProtocolViolation e) {
            failed = true;
            connection.transport().protocolViolation(connection, e.getMessage());
        } finally {
            in.release();
        }
    }

    private void read(ByteBuf in) {
        while (in.isReadable()) {
            if (header == null) {
                if (fillScratch(in, StreamHeader.BYTES)) {
                    header = StreamHeader.readFrom(Unpooled.wrappedBuffer(scratch));
                    scratchFilled = 0;
                    if (header.senderNodeId() != connection.link.peerId) {
                        throw new StreamHeader.ProtocolViolation("stream claims sender node " + header.senderNodeId()
                                + " on a connection whose certificate names node " + connection.link.peerId);
                    }
                }
            } else if (message == null) {
                if (fillScratch(in, StreamHeader.FRAME_PREFIX_BYTES)) {
                    int length = ((scratch[0] & 0xff) << 24)
                            | ((scratch[1] & 0xff) << 16)
                            | ((scratch[2] & 0xff) << 8)
                            | (scratch[3] & 0xff);
                    scratchFilled = 0;
                    // a control stream carries a hello and empty pings, nothing larger
                    int maxBytes =
                            header.kind() == StreamHeader.Kind.CONTROL ? Hello.MAX_BYTES : connection.maxFrameBytes;
                    if (length < 0 || length > maxBytes) {
                        throw new StreamHeader.ProtocolViolation("frame of " + Integer.toUnsignedString(length)
                                + " bytes on a " + header.kind() + " stream exceeds " + maxBytes);
                    }
                    message = new byte[length];
                    messageFilled = 0;
                    if (length == 0) {
                        complete();
                    }
                }
            } else {
                int n = Math.min(in.readableBytes(), message.length - messageFilled);
                in.readBytes(message, messageFilled, n);
                messageFilled += n;
                if (messageFilled == message.length) {
                    complete();
                }
            }
        }
    }

    private boolean fillScratch(ByteBuf in, int needed) {
        int n = Math.min(in.readableBytes(), needed - scratchFilled);
        in.readBytes(scratch, scratchFilled, n);
        scratchFilled += n;
        return scratchFilled == needed;
    }

    private void complete() {
        byte[] done = message;
        message = null;
        if (header.kind() == StreamHeader.Kind.CONTROL) {
            if (!helloRead) {
                helloRead = true;
                connection.helloReceived(Hello.decode(done));
            }
            // later frames are keep-alive pings
        } else if (connection.isAttached()) {
            connection.transport().deliver(connection.link, header.groupId(), done);
        } else {
            // Before the hellos: the peer's group stream overtook its control stream. Raft tolerates the loss.
            log.debug(
                    "dropping a message of group {} from node {} that came before the hellos",
                    header.groupId(),
                    connection.link.peerId);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("inbound stream from node {} failed: {}", connection.link.peerId, cause.toString());
        ctx.close();
    }
}
