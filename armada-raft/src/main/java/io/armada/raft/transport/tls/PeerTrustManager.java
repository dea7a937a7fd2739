package io.armada.raft.transport.tls;

import io.armada.raft.util.RateLimitedWarning;
import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies a peer's certificate chain against the cluster's authorities (PKIX) and requires the
 * leaf to name a node and a cluster ({@link NodeIdentity}), logging why a peer was refused - the TLS
 * stack only reports "certificate verify failed" - at most once per interval, since a refused peer
 * keeps retrying. Which node and cluster are acceptable is decided after the handshake, where the
 * connection can be closed with a code that says why.
 */
public final class PeerTrustManager extends X509ExtendedTrustManager {
    private static final Logger log = LoggerFactory.getLogger(PeerTrustManager.class);

    private final X509TrustManager pkix;
    private final RateLimitedWarning refusals = new RateLimitedWarning();

    private PeerTrustManager(X509TrustManager pkix) {
        this.pkix = pkix;
    }

    /** Trusts chains that end at one of {@code authorities}. */
    public static PeerTrustManager trusting(List<X509Certificate> authorities) {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < authorities.size(); i++) {
                store.setCertificateEntry("authority-" + i, authorities.get(i));
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
            factory.init(store);
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509TrustManager x509) {
                    return new PeerTrustManager(x509);
                }
            }
            throw new IllegalStateException("PKIX offers no X509TrustManager");
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build a trust manager for the cluster authorities", e);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain, authType, false);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain, authType, true);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        check(chain, authType, false);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        check(chain, authType, true);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        check(chain, authType, false);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        check(chain, authType, true);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return pkix.getAcceptedIssuers();
    }

    private void check(X509Certificate[] chain, String authType, boolean peerIsServer) throws CertificateException {
        String role = peerIsServer ? "server" : "client";
        try {
            if (chain == null || chain.length == 0) {
                throw new CertificateException("the peer presented no certificate");
            }
            if (peerIsServer) {
                pkix.checkServerTrusted(chain, authType);
            } else {
                pkix.checkClientTrusted(chain, authType);
            }
            if (NodeIdentity.nodeIdOf(chain[0]).isEmpty()) {
                throw new CertificateException("certificate " + chain[0].getSubjectX500Principal()
                        + " names no node (subject alternative name " + NodeIdentity.URI_PREFIX + "<id>)");
            }
            if (NodeIdentity.clusterOf(chain[0]).isEmpty()) {
                throw new CertificateException("certificate " + chain[0].getSubjectX500Principal()
                        + " names no cluster, or two (subject alternative name " + NodeIdentity.CLUSTER_URI_PREFIX
                        + "<cluster-name>)");
            }
        } catch (CertificateException e) {
            long suppressed = refusals.tryAcquire();
            if (suppressed >= 0) {
                log.warn(
                        "refusing {} certificate {}: {} ({} more refusals since the last warning)",
                        role,
                        chain == null || chain.length == 0 ? "(none)" : chain[0].getSubjectX500Principal(),
                        e.toString(),
                        suppressed);
            }
            throw e;
        }
    }
}
