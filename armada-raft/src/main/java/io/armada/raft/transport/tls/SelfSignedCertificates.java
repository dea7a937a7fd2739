package io.armada.raft.transport.tls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throwaway certificate authority for development clusters and tests: it issues each node an
 * EC P-256 certificate naming the node id and its cluster ({@link NodeIdentity}) for both TLS client
 * and server use. One authority may issue certificates for several clusters; the cluster name in
 * each certificate keeps their nodes apart.
 * Keys live in memory unless written out with {@link #writeNode}; never use it in production.
 */
public final class SelfSignedCertificates {
    private static final Duration VALIDITY = Duration.ofDays(3650);
    private static final Duration CLOCK_SKEW = Duration.ofHours(1);

    private final SecureRandom random = new SecureRandom();
    private final KeyPair authorityKeys;
    private final X509Certificate authority;

    private SelfSignedCertificates(String name) {
        this.authorityKeys = newKeyPair();
        X500Name subject = new X500Name("CN=" + name);
        try {
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = newBuilder(subject, subject, authorityKeys);
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(
                    Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(authorityKeys.getPublic()));
            this.authority = signBy(builder, authorityKeys);
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot create the development authority", e);
        }
    }

    /** A new authority with its own key; certificates it issues are trusted only by its material. */
    public static SelfSignedCertificates newAuthority(String name) {
        return new SelfSignedCertificates(name);
    }

    /** The authority's certificate, the one peers must trust. */
    public X509Certificate authorityCertificate() {
        return authority;
    }

    /** A fresh key and certificate for node {@code nodeId} of cluster {@code clusterName}, trusting only this authority. */
    public TlsMaterial.Loaded issueNode(String clusterName, long nodeId) {
        String clusterUri = NodeIdentity.clusterUriFor(clusterName);
        KeyPair keys = newKeyPair();
        X500Name subject = new X500Name("CN=armada-node-" + Long.toUnsignedString(nodeId));
        try {
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = newBuilder(
                    X500Name.getInstance(authority.getSubjectX500Principal().getEncoded()), subject, keys);
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(new KeyPurposeId[] {
                KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth
            }));
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.uniformResourceIdentifier, NodeIdentity.uriFor(nodeId)),
                new GeneralName(GeneralName.uniformResourceIdentifier, clusterUri),
                new GeneralName(GeneralName.dNSName, "localhost"),
                new GeneralName(
                        GeneralName.iPAddress, InetAddress.getLoopbackAddress().getHostAddress())
            }));
            builder.addExtension(
                    Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(authority));
            builder.addExtension(
                    Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(keys.getPublic()));
            X509Certificate leaf = signBy(builder, authorityKeys);
            return new TlsMaterial.Loaded(keys.getPrivate(), List.of(leaf, authority), List.of(authority));
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot issue a certificate for node " + nodeId, e);
        }
    }

    /**
     * Issues node {@code nodeId} of {@code clusterName} a certificate and writes {@code node-<id>.crt}, {@code node-<id>.key} and
     * {@code ca.crt} under {@code directory}, for configurations that name PEM files.
     */
    public TlsMaterial.PemFiles writeNode(String clusterName, long nodeId, Path directory) {
        TlsMaterial.Loaded material = issueNode(clusterName, nodeId);
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + directory, e);
        }
        String base = "node-" + Long.toUnsignedString(nodeId);
        Path chain = directory.resolve(base + ".crt");
        Path key = directory.resolve(base + ".key");
        Path trusted = directory.resolve("ca.crt");
        Pem.write(chain, material.certificateChain().toArray());
        Pem.write(key, material.privateKey());
        Pem.write(trusted, authority);
        return new TlsMaterial.PemFiles(chain, key, trusted);
    }

    private X509v3CertificateBuilder newBuilder(X500Name issuer, X500Name subject, KeyPair keys) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(
                issuer,
                new BigInteger(127, random).add(BigInteger.ONE),
                Date.from(now.minus(CLOCK_SKEW)),
                Date.from(now.plus(VALIDITY)),
                subject,
                keys.getPublic());
    }

    private static X509Certificate signBy(X509v3CertificateBuilder builder, KeyPair signer)
            throws GeneralSecurityException {
        try {
            ContentSigner contentSigner = new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate());
            return new JcaX509CertificateConverter().getCertificate(builder.build(contentSigner));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), random);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("EC P-256 is unavailable", e);
        }
    }
}
