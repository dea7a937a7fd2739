package io.armada.raft.transport.tls;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * A node's TLS identity and the authorities it trusts, either as PEM files or already in memory.
 * Both sides of every connection present a certificate and check the other's against the trusted
 * authorities (mutual TLS), so the key and chain are needed for dialing as well as for accepting.
 */
public sealed interface TlsMaterial {

    /** The material in memory; PEM files are read once when the transport starts. */
    Loaded load();

    /**
     * PEM files: the node's certificate chain (leaf first), its PKCS#8 or traditional private key,
     * and the certificates of the authorities that sign peers' certificates.
     */
    record PemFiles(Path certificateChain, Path privateKey, Path trustedAuthorities) implements TlsMaterial {
        public PemFiles {
            Objects.requireNonNull(certificateChain, "certificateChain");
            Objects.requireNonNull(privateKey, "privateKey");
            Objects.requireNonNull(trustedAuthorities, "trustedAuthorities");
        }

        @Override
        public Loaded load() {
            return new Loaded(
                    Pem.readPrivateKey(privateKey),
                    Pem.readCertificates(certificateChain),
                    Pem.readCertificates(trustedAuthorities));
        }
    }

    /** In-memory material: what {@link PemFiles} loads into, and what {@link SelfSignedCertificates} issues. */
    record Loaded(
            PrivateKey privateKey, List<X509Certificate> certificateChain, List<X509Certificate> trustedAuthorities)
            implements TlsMaterial {
        public Loaded {
            Objects.requireNonNull(privateKey, "privateKey");
            certificateChain = List.copyOf(certificateChain);
            trustedAuthorities = List.copyOf(trustedAuthorities);
            if (certificateChain.isEmpty()) {
                throw new IllegalArgumentException("certificateChain: empty, the leaf certificate is required");
            }
            if (trustedAuthorities.isEmpty()) {
                throw new IllegalArgumentException("trustedAuthorities: empty, peers could never be verified");
            }
        }

        @Override
        public Loaded load() {
            return this;
        }

        /** The node's own certificate (first in the chain). */
        public X509Certificate leaf() {
            return certificateChain.getFirst();
        }
    }
}
