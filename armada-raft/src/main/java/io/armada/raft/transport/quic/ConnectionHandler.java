package io.armada.raft.transport.quic;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first handler of every QUIC connection. When the handshake completes it takes the peer's
 * node id from its verified certificate and accepts the connection only if that node is the one
 * dialed (dialing side) or a configured lower-id peer (accepting side). The dialer binds the
 * connection to its link at once; the acceptor when the dialer's control stream arrives.
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
    public void channelRegistered(ChannelHandlerContext ctx) {
        if (dialed != null) {
            // An attempt still unverified by now is abandoned; closing it fails the dial, which redials.
            long timeoutMillis = transport.config().limits().connectTimeoutMillis();
            ctx.executor().schedule(() -> {
                if (connection == null && ctx.channel().isOpen()) {
                    ctx.channel().close();
                }
            }, timeoutMillis, TimeUnit.MILLISECONDS);
        }
        ctx.fireChannelRegistered();
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
        if (link.dialer) {
            // The control stream is the dialer's hello: only once it arrives does the acceptor use
            // the connection, so an attempt the dialer abandoned (connect timeout) is never used.
            connection.attach();
            connection.startKeepAlive(transport.config().limits().keepAliveIntervalMillis());
        } else {
            PeerConnection accepted = connection;
            ctx.executor().schedule(() -> {
                if (!accepted.isAttached() && channel.isOpen()) {
                    log.debug("node {} sent no hello; closing the connection", accepted.link.peerId);
                    accepted.close(CloseCodes.PROTOCOL_VIOLATION, "no hello");
                }
            }, transport.config().limits().connectTimeoutMillis(), TimeUnit.MILLISECONDS);
        }
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
