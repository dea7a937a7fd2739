package io.armada.raft.transport.quic;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first handler of every QUIC connection. When the handshake completes it takes the peer's
 * node id from its verified certificate, accepts the connection only if that node is the one
 * dialed (dialing side) or a configured lower-id peer (accepting side), and binds it to the link.
 */
final class ConnectionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionHandler.class);

    private final QuicTransport transport;
    /** The link dialed, or null on the accepting side. */
    private final PeerLink dialed;
    private PeerConnection connection;

    ConnectionHandler(QuicTransport transport, PeerLink dialed) {
        this.transport = transport;
        this.dialed = dialed;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        QuicChannel channel = (QuicChannel) ctx.channel();
        OptionalLong peerId = QuicTls.peerNodeId(channel);
        PeerLink link = peerId.isEmpty() ? null : transport.linkFor(peerId.getAsLong(), dialed);
        if (link == null || transport.isClosed()) {
            transport.rejectConnection(channel, peerId, dialed);
            return;
        }
        connection = new PeerConnection(transport, link, channel, transport.config());
        channel.attr(QuicTransport.CONNECTION).set(connection);
        link.attach(connection);
        if (link.dialer) {
            connection.startKeepAlive(transport.config().limits().keepAliveIntervalMillis());
        }
        log.debug("connected to node {} ({})", link.peerId, link.dialer ? "dialed" : "accepted");
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (connection != null) {
            connection.onClosed();
            connection.link.detach(connection);
            log.debug("connection to node {} closed", connection.link.peerId);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof QuicConnectionCloseEvent close) {
            log.debug("peer {} closed the connection: {}", connection == null ? "?" : connection.link.peerId, close);
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("connection {} failed: {}", ctx.channel(), cause.toString());
    }
}
