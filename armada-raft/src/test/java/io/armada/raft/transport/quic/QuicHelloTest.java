package io.armada.raft.transport.quic;

import static org.assertj.core.api.Assertions.assertThat;

import io.armada.raft.transport.tls.TlsMaterial;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The acceptor's side of the hello, against a hand-driven client that holds a valid certificate of
 * this cluster: the connection is used only after a hello naming this cluster and these nodes.
 */
class QuicHelloTest {
    private final QuicTestCluster cluster = new QuicTestCluster(1, 2);
    private final EventLoopGroup clientLoop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    @AfterEach
    void tearDown() {
        cluster.close();
        clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Connects to {@code address} as node 1 of the test cluster; the future completes with the peer's close code. */
    private QuicChannel connectAsNodeOne(InetSocketAddress address, CompletableFuture<Integer> closeCode)
            throws Exception {
        TlsMaterial.Loaded tls = QuicTestCluster.AUTHORITY.issueNode(QuicTestCluster.CLUSTER, 1);
        Channel udp = new Bootstrap()
                .group(clientLoop)
                .channel(NioDatagramChannel.class)
                .handler(new QuicClientCodecBuilder()
                        .sslContext(QuicTls.client(tls))
                        .maxIdleTimeout(10_000, TimeUnit.MILLISECONDS)
                        .initialMaxData(1 << 20)
                        .initialMaxStreamDataUnidirectional(1 << 20)
                        .initialMaxStreamsUnidirectional(16)
                        .build())
                .bind(new InetSocketAddress("127.0.0.1", 0))
                .sync()
                .channel();
        return QuicChannel.newBootstrap(udp)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
                        if (event instanceof QuicConnectionCloseEvent close) {
                            closeCode.complete(close.error());
                        }
                        ctx.fireUserEventTriggered(event);
                    }
                })
                .streamHandler(new ChannelInboundHandlerAdapter())
                .remoteAddress(address)
                .connect()
                .get(5, TimeUnit.SECONDS);
    }

    @Test
    void aDialerThatSendsNoHelloIsClosedAfterTheConnectTimeout() throws Exception {
        QuicTransport two = cluster.start(2, new RecordingHandler());
        CompletableFuture<Integer> closeCode = new CompletableFuture<>();
        connectAsNodeOne(two.localAddress(), closeCode);
        long timeout = QuicTestCluster.testLimits().connectTimeoutMillis();
        assertThat(closeCode.get(timeout + 5_000, TimeUnit.MILLISECONDS)).isEqualTo(CloseCodes.PROTOCOL_VIOLATION);
        assertThat(two.stats().peer(1).connections()).isZero();
    }

    @Test
    void aHelloNamingAnotherClusterIsRefusedEvenWithAValidCertificate() throws Exception {
        QuicTransport two = cluster.start(2, new RecordingHandler());
        CompletableFuture<Integer> closeCode = new CompletableFuture<>();
        QuicChannel quic = connectAsNodeOne(two.localAddress(), closeCode);
        QuicStreamChannel control = quic.createStream(QuicStreamType.UNIDIRECTIONAL, new ChannelInboundHandlerAdapter())
                .get(5, TimeUnit.SECONDS);
        byte[] hello = new Hello("other", 1, 2).encode();
        ByteBuf out = control.alloc().buffer();
        new StreamHeader(StreamHeader.Kind.CONTROL, 1, 0).writeTo(out);
        out.writeInt(hello.length).writeBytes(hello);
        control.writeAndFlush(out).sync();

        assertThat(closeCode.get(10, TimeUnit.SECONDS)).isEqualTo(CloseCodes.CLUSTER_MISMATCH);
        assertThat(two.stats().rejectedConnections()).isEqualTo(1);
        assertThat(two.stats().peer(1).connections()).isZero();
    }
}
