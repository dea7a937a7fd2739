package io.armada.raft.transport.quic;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first handler of every QUIC connection. When the handshake completes it takes the peer's
 * node id and cluster from its verified certificate and goes on only if the cluster is this node's
 * and the node is the one dialed (dialing side) or a configured lower-id peer (accepting side).
 * Then the {@link Hello}s decide: the dialer sends its hello; the acceptor binds the connection to
 * its link once that hello checks out and answers with its own; the dialer binds it when that
 * answer arrives. A side that has not bound the connection within the connect timeout closes it.
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
        // An attempt not accepted by both sides by now is abandoned; closing a dialed one redials.
        long timeoutMillis = transport.config().limits().connectTimeoutMillis();
        ctx.executor()
                .schedule(
                        () -> {
                            if ((connection == null || !connection.isAttached())
                                    && ctx.channel().isOpen()) {
                                if (connection == null) {
                                    ctx.channel().close();
                                } else {
                                    log.debug(
                                            "no hello from node {} in {} ms; closing the connection",
                                            connection.link.peerId,
                                            timeoutMillis);
                                    connection.close(CloseCodes.PROTOCOL_VIOLATION, "no hello");
                                }
                            }
                        },
                        timeoutMillis,
                        TimeUnit.MILLISECONDS);
        ctx.fireChannelRegistered();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        QuicChannel channel = (QuicChannel) ctx.channel();
        OptionalLong peerId = QuicTls.peerNodeId(channel);
        Optional<String> peerCluster = QuicTls.peerCluster(channel);
        if (!transport.isClosed()
                && !peerCluster.equals(Optional.of(transport.config().clusterName()))) {
            transport.rejectCluster(channel, peerId, peerCluster.orElse("(none)"));
            return;
        }
        PeerLink link = peerId.isEmpty() ? null : transport.linkFor(peerId.getAsLong(), dialed);
        if (link == null || transport.isClosed()) {
            transport.rejectConnection(channel, peerId, dialed);
            return;
        }
        connection = new PeerConnection(transport, link, channel, transport.config());
        channel.attr(QuicTransport.CONNECTION).set(connection);
        if (link.dialer) {
            // Neither side uses the connection before the hellos: the acceptor only once the
            // dialer's checks out, the dialer only once the acceptor answers - its verdict.
            connection.openControlStream();
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
            if (connection != null
                    && !connection.isAttached()
                    && close.isApplicationClose()
                    && (close.error() == CloseCodes.IDENTITY_REJECTED
                            || close.error() == CloseCodes.CLUSTER_MISMATCH)) {
                transport.refusedByPeer(
                        connection.link, close.error(), new String(close.reason(), StandardCharsets.UTF_8));
            }
            log.debug("peer {} closed the connection: {}", connection == null ? "?" : connection.link.peerId, close);
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("connection {} failed: {}", ctx.channel(), cause.toString());
    }
}
