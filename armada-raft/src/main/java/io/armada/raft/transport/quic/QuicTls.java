package io.armada.raft.transport.quic;

import io.armada.raft.transport.tls.NodeIdentity;
import io.armada.raft.transport.tls.PeerTrustManager;
import io.armada.raft.transport.tls.TlsMaterial;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.ssl.ClientAuth;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.OptionalLong;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * TLS 1.3 contexts of the transport (QUIC has no other) and the peer identity check: both sides
 * present certificates, both verify them against the trusted authorities, and the node id and
 * cluster name come from the verified certificate.
 */
final class QuicTls {
    /** ALPN protocol id; a peer speaking anything else fails the handshake. */
    static final String ALPN = "armada-raft/1";

    private QuicTls() {}

    static QuicSslContext server(TlsMaterial.Loaded tls) {
        return QuicSslContextBuilder.forServer(tls.privateKey(), null, chain(tls))
                .trustManager(PeerTrustManager.trusting(tls.trustedAuthorities()))
                .clientAuth(ClientAuth.REQUIRE)
                .applicationProtocols(ALPN)
                .build();
    }

    static QuicSslContext client(TlsMaterial.Loaded tls) {
        return QuicSslContextBuilder.forClient()
                .keyManager(tls.privateKey(), null, chain(tls))
                .trustManager(PeerTrustManager.trusting(tls.trustedAuthorities()))
                .applicationProtocols(ALPN)
                .build();
    }

    /** The node id named by the peer's verified certificate, or empty if it names none. */
    static OptionalLong peerNodeId(QuicChannel channel) {
        return peerLeaf(channel).map(NodeIdentity::nodeIdOf).orElse(OptionalLong.empty());
    }

    /** The cluster named by the peer's verified certificate, or empty if it names none. */
    static Optional<String> peerCluster(QuicChannel channel) {
        return peerLeaf(channel).flatMap(NodeIdentity::clusterOf);
    }

    private static Optional<X509Certificate> peerLeaf(QuicChannel channel) {
        SSLEngine engine = channel.sslEngine();
        if (engine == null) {
            return Optional.empty();
        }
        Certificate[] certificates;
        try {
            certificates = engine.getSession().getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return Optional.empty();
        }
        if (certificates.length == 0 || !(certificates[0] instanceof X509Certificate leaf)) {
            return Optional.empty();
        }
        return Optional.of(leaf);
    }

    private static X509Certificate[] chain(TlsMaterial.Loaded tls) {
        return tls.certificateChain().toArray(X509Certificate[]::new);
    }
}
