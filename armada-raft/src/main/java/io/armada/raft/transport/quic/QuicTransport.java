package io.armada.raft.transport.quic;

import io.armada.raft.transport.Transport;
import io.armada.raft.transport.tls.NodeIdentity;
import io.armada.raft.transport.tls.TlsMaterial;
import io.armada.raft.util.RateLimitedWarning;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.quic.Quic;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicCodecBuilder;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The production {@link Transport}: QUIC (Netty's native quiche codec) with TLS 1.3 and mutual
 * certificate authentication. One connection per node pair, dialed by the lower node id; inside
 * it one unidirectional stream per direction and Raft group, opened on first use, so a large or
 * stalled message of one group never delays another group's messages.
 *
 * <p>Wire format: each stream starts with a header (magic, version, kind, sender node id, group id)
 * followed by frames of a 4-byte length and the message. The sender id must equal the node id
 * named by the peer's certificate ({@link io.armada.raft.transport.tls.NodeIdentity}), and the
 * certificate must name this node's cluster. Each side's control stream opens with a {@link Hello}
 * (cluster name, sender and receiver ids); a connection is used only once both hellos checked out.
 *
 * <p>{@link #send} never blocks: a message goes into the peer's bounded queue (bytes and count) and
 * an event-loop task writes everything queued, group by group, once per turn. With no verified
 * connection, or a full queue, the message is dropped and {@code send} returns false. The caller
 * must not modify a message array after handing it to {@code send}.
 */
public final class QuicTransport implements Transport {
    private static final Logger log = LoggerFactory.getLogger(QuicTransport.class);
    static final AttributeKey<PeerConnection> CONNECTION = AttributeKey.valueOf(PeerConnection.class, "connection");
    private static final long CLOSE_WAIT_MILLIS = 2_000;

    private final QuicTransportConfig config;
    private final Map<Long, PeerLink> links;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closeStarted = new AtomicBoolean();
    private volatile boolean closed;
    private volatile InboundHandler handler;
    private final LongAdder rejectedConnections = new LongAdder();
    private final LongAdder protocolViolations = new LongAdder();
    final LongAdder keepAlivePings = new LongAdder();
    // A refused peer keeps retrying: one warning per kind and interval, with a count of the rest.
    private final RateLimitedWarning identityRefusals = new RateLimitedWarning();
    private final RateLimitedWarning clusterRefusals = new RateLimitedWarning();
    private final RateLimitedWarning refusedByPeers = new RateLimitedWarning();
    private final RateLimitedWarning protocolWarnings = new RateLimitedWarning();

    private EventLoopGroup eventLoops;
    private Channel serverChannel;
    private Channel clientChannel;
    private ChannelHandler inboundStreams;

    /** Creates the transport; nothing is bound or dialed until {@link #start}. */
    public QuicTransport(QuicTransportConfig config) {
        this.config = config;
        SplittableRandom seeds = new SplittableRandom();
        Map<Long, PeerLink> byId = new HashMap<>();
        config.peers()
                .forEach((id, address) ->
                        byId.put(id, new PeerLink(config.selfId(), id, address, config.limits(), seeds.split())));
        this.links = Map.copyOf(byId);
    }

    /**
     * Binds the listening UDP port, then dials every peer with a higher node id (and keeps redialing
     * with backoff). Fails if native QUIC is unavailable or the TLS material or port is unusable.
     */
    @Override
    public void start(InboundHandler inboundHandler) {
        if (closeStarted.get() || !started.compareAndSet(false, true)) {
            throw new IllegalStateException("QuicTransport of node " + config.selfId() + " was already started");
        }
        this.handler = Objects.requireNonNull(inboundHandler, "inboundHandler");
        Quic.ensureAvailability();
        TlsMaterial.Loaded tls = config.tls().load();
        requireOwnIdentity(tls);
        eventLoops = new MultiThreadIoEventLoopGroup(
                config.limits().ioThreads(),
                new DefaultThreadFactory(threadNamePrefix(config.selfId()), true),
                NioIoHandler.newFactory());
        inboundStreams = new InboundStreams();
        try {
            ChannelHandler serverCodec = limits(new QuicServerCodecBuilder())
                    .sslContext(QuicTls.server(tls))
                    .tokenHandler(null)
                    .handler(new ChannelInitializer<QuicChannel>() {
                        @Override
                        protected void initChannel(QuicChannel channel) {
                            channel.pipeline().addLast(new ConnectionHandler(QuicTransport.this, null));
                        }
                    })
                    .streamHandler(inboundStreams)
                    .build();
            serverChannel = new Bootstrap()
                    .group(eventLoops)
                    .channel(NioDatagramChannel.class)
                    .handler(serverCodec)
                    .bind(config.bindAddress())
                    .sync()
                    .channel();
            ChannelHandler clientCodec = limits(new QuicClientCodecBuilder())
                    .sslContext(QuicTls.client(tls))
                    .build();
            clientChannel = new Bootstrap()
                    .group(eventLoops)
                    .channel(NioDatagramChannel.class)
                    .handler(clientCodec)
                    .bind(new InetSocketAddress(config.bindAddress().getAddress(), 0))
                    .sync()
                    .channel();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException("interrupted while binding " + config.bindAddress(), e);
        } catch (RuntimeException e) {
            close();
            throw new IllegalStateException("cannot start the QUIC transport on " + config.bindAddress(), e);
        }
        log.info("node {} listening on {} (QUIC)", config.selfId(), serverChannel.localAddress());
        for (PeerLink link : links.values()) {
            if (link.dialer) {
                link.startDialing(this, clientChannel.eventLoop());
            }
        }
    }

    /** Fails fast on a certificate every peer would refuse, saying which names it must carry. */
    private void requireOwnIdentity(TlsMaterial.Loaded tls) {
        OptionalLong node = NodeIdentity.nodeIdOf(tls.leaf());
        Optional<String> cluster = NodeIdentity.clusterOf(tls.leaf());
        if (node.equals(OptionalLong.of(config.selfId())) && cluster.equals(Optional.of(config.clusterName()))) {
            return;
        }
        throw new IllegalStateException("the Raft TLS certificate " + tls.leaf().getSubjectX500Principal() + " names "
                + (node.isPresent() ? "node " + Long.toUnsignedString(node.getAsLong()) : "no node") + " of "
                + cluster.map(c -> "cluster '" + c + "'").orElse("no cluster") + ", but this is node "
                + config.selfId() + " of cluster '" + config.clusterName()
                + "': its subject alternative names must include " + NodeIdentity.uriFor(config.selfId()) + " and "
                + NodeIdentity.clusterUriFor(config.clusterName()));
    }

    private <B extends QuicCodecBuilder<B>> B limits(B builder) {
        QuicTransportLimits limits = config.limits();
        return builder.maxIdleTimeout(limits.idleTimeoutMillis(), TimeUnit.MILLISECONDS)
                .initialMaxData(limits.connectionReceiveWindowBytes())
                .initialMaxStreamDataUnidirectional(limits.streamReceiveWindowBytes())
                .initialMaxStreamsUnidirectional(limits.maxStreamsPerConnection())
                .initialMaxStreamsBidirectional(0)
                .activeMigration(false);
    }

    /** The UDP address connections are accepted on (useful when the configured port was 0). */
    public InetSocketAddress localAddress() {
        Channel channel = serverChannel;
        if (channel == null) {
            throw new IllegalStateException("not started");
        }
        return (InetSocketAddress) channel.localAddress();
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if the message is larger than {@code maxFrameBytes}: the
     *     caller must split it; silently dropping it would stall Raft forever
     */
    @Override
    public boolean send(long toNodeId, long groupId, byte[] message) {
        if (message.length > config.limits().maxFrameBytes()) {
            throw new IllegalArgumentException("message of " + message.length + " bytes for group " + groupId
                    + " exceeds maxFrameBytes " + config.limits().maxFrameBytes());
        }
        PeerLink link = links.get(toNodeId);
        if (link == null || closed) {
            if (link != null) {
                link.droppedMessages.increment();
            }
            return false;
        }
        return link.send(groupId, message);
    }

    /** True while a verified connection to {@code peerId} is up. */
    public boolean isConnected(long peerId) {
        PeerLink link = links.get(peerId);
        return link != null && link.connected();
    }

    public QuicTransportStats stats() {
        Map<Long, PeerStats> peers = new HashMap<>();
        links.forEach((id, link) -> peers.put(id, link.stats()));
        return new QuicTransportStats(peers, rejectedConnections.sum(), protocolViolations.sum());
    }

    /** Closes every connection (telling peers), unbinds, and stops the I/O threads before returning. */
    @Override
    public void close() {
        if (!closeStarted.compareAndSet(false, true)) {
            return;
        }
        closed = true;
        List<ChannelFuture> closing = new ArrayList<>();
        for (PeerLink link : links.values()) {
            PeerConnection connection = link.current();
            if (connection != null) {
                closing.add(connection.channel.close(
                        true,
                        CloseCodes.NORMAL,
                        ByteBufUtil.writeUtf8(connection.channel.alloc(), "node shutting down")));
            }
        }
        for (ChannelFuture future : closing) {
            future.awaitUninterruptibly(CLOSE_WAIT_MILLIS);
        }
        for (Channel channel : new Channel[] {serverChannel, clientChannel}) {
            if (channel != null) {
                channel.close().awaitUninterruptibly(CLOSE_WAIT_MILLIS);
            }
        }
        if (eventLoops != null) {
            eventLoops
                    .shutdownGracefully(0, CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS)
                    .awaitUninterruptibly(2 * CLOSE_WAIT_MILLIS);
        }
        log.info("node {} QUIC transport closed", config.selfId());
    }

    /**
     * Stops like a killed process: the sockets close before any connection says goodbye, so peers
     * only notice through their idle timeout. For tests of crash recovery.
     */
    void crash() {
        closed = true;
        for (Channel channel : new Channel[] {serverChannel, clientChannel}) {
            if (channel != null) {
                channel.eventLoop()
                        .submit(() -> channel.unsafe().closeForcibly())
                        .awaitUninterruptibly();
            }
        }
        close();
    }

    /** Name prefix of this node's I/O threads. */
    public static String threadNamePrefix(long selfId) {
        return "armada-quic-" + selfId;
    }

    // ---- package-private hooks for the connection machinery ----

    long keepAlivePingsSent() {
        return keepAlivePings.sum();
    }

    QuicTransportConfig config() {
        return config;
    }

    boolean isClosed() {
        return closed;
    }

    Future<QuicChannel> dial(PeerLink link) {
        return QuicChannel.newBootstrap(clientChannel)
                .handler(new ConnectionHandler(this, link))
                .streamHandler(inboundStreams)
                .remoteAddress(link.address)
                .connect();
    }

    /**
     * The link a verified connection from {@code peerId} belongs to, or null to reject it: on the
     * dialing side the certificate must name the node dialed; on the accepting side a configured
     * peer with a lower id (higher ids are dialed by us, so such a connection breaks the pairing rule).
     */
    PeerLink linkFor(long peerId, PeerLink dialed) {
        if (dialed != null) {
            return dialed.peerId == peerId ? dialed : null;
        }
        PeerLink link = links.get(peerId);
        return link == null || link.dialer ? null : link;
    }

    void rejectConnection(QuicChannel channel, OptionalLong peerId, PeerLink dialed) {
        rejectedConnections.increment();
        long suppressed = identityRefusals.tryAcquire();
        if (suppressed >= 0) {
            log.warn(
                    "rejecting connection from {}: certificate names {}{} ({} more rejections since the last warning)",
                    channel.remoteSocketAddress(),
                    peerId.isPresent() ? "node " + peerId.getAsLong() : "no node",
                    dialed != null ? " but node " + dialed.peerId + " was dialed" : ", not a lower-id peer",
                    suppressed);
        }
        channel.close(
                true,
                CloseCodes.IDENTITY_REJECTED,
                ByteBufUtil.writeUtf8(channel.alloc(), "certificate identity rejected"));
    }

    /** The peer's verified certificate names another cluster (or none): it is not one of ours. */
    void rejectCluster(QuicChannel channel, OptionalLong peerId, String peerCluster) {
        rejectedConnections.increment();
        String reason =
                "certificate names cluster '" + peerCluster + "', this is cluster '" + config.clusterName() + "'";
        long suppressed = clusterRefusals.tryAcquire();
        if (suppressed >= 0) {
            log.warn(
                    "rejecting connection from {} (node {}): {} ({} more rejections since the last warning)",
                    channel.remoteSocketAddress(),
                    peerId.isPresent() ? Long.toUnsignedString(peerId.getAsLong()) : "?",
                    reason,
                    suppressed);
        }
        channel.close(true, CloseCodes.CLUSTER_MISMATCH, ByteBufUtil.writeUtf8(channel.alloc(), reason));
    }

    /** The peer's hello does not match this node's cluster or node ids. */
    void refuseHello(PeerConnection connection, int code, String reason) {
        rejectedConnections.increment();
        long suppressed = clusterRefusals.tryAcquire();
        if (suppressed >= 0) {
            log.warn(
                    "rejecting connection from node {}: {} ({} more rejections since the last warning)",
                    connection.link.peerId,
                    reason,
                    suppressed);
        }
        connection.close(code, reason);
    }

    /** The peer closed a connection it never accepted, saying why; it will be redialed with backoff. */
    void refusedByPeer(PeerLink link, int code, String reason) {
        long suppressed = refusedByPeers.tryAcquire();
        if (suppressed >= 0) {
            log.warn(
                    "node {} at {} refused the connection (code {}): {} ({} more refusals since the last warning)",
                    link.peerId,
                    link.address,
                    code,
                    reason,
                    suppressed);
        }
    }

    void protocolViolation(PeerConnection connection, String detail) {
        protocolViolations.increment();
        long suppressed = protocolWarnings.tryAcquire();
        if (suppressed >= 0) {
            log.warn(
                    "node {} broke the wire protocol ({}); closing the connection ({} more violations since the last "
                            + "warning)",
                    connection.link.peerId,
                    detail,
                    suppressed);
        }
        connection.close(CloseCodes.PROTOCOL_VIOLATION, detail);
    }

    void deliver(PeerLink link, long groupId, byte[] message) {
        link.receivedMessages.increment();
        link.receivedBytes.add(message.length);
        try {
            handler.onMessage(link.peerId, groupId, message);
        } catch (RuntimeException e) {
            log.error("inbound handler failed on a message from node {} group {}", link.peerId, groupId, e);
        }
    }

    /** Sets up every stream the peer opens: only unidirectional, peer-created streams carry messages. */
    @ChannelHandler.Sharable
    private static final class InboundStreams extends ChannelInitializer<QuicStreamChannel> {
        @Override
        protected void initChannel(QuicStreamChannel stream) {
            PeerConnection connection = stream.parent().attr(CONNECTION).get();
            if (connection == null || stream.type() != QuicStreamType.UNIDIRECTIONAL || stream.isLocalCreated()) {
                log.debug("closing unexpected stream {} on {}", stream.streamId(), stream.parent());
                stream.close();
                return;
            }
            stream.pipeline().addLast(new InboundStreamReader(connection));
        }
    }
}
