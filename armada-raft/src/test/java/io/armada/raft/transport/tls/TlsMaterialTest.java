package io.armada.raft.transport.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsMaterialTest {
    private static final SelfSignedCertificates AUTHORITY = SelfSignedCertificates.newAuthority("tls-test-ca");
    private static final String CLUSTER = "tls-test";

    @TempDir
    Path dir;

    @Test
    void issuedCertificatesNameTheirNodeAndChainToTheAuthority() throws Exception {
        TlsMaterial.Loaded node = AUTHORITY.issueNode(CLUSTER, 42);
        assertThat(NodeIdentity.nodeIdOf(node.leaf())).hasValue(42);
        assertThat(NodeIdentity.clusterOf(node.leaf())).hasValue(CLUSTER);
        assertThat(NodeIdentity.clusterOf(
                        AUTHORITY.issueNode("another-cluster", 42).leaf()))
                .hasValue("another-cluster");
        assertThat(NodeIdentity.clusterOf(AUTHORITY.authorityCertificate())).isEmpty();
        node.leaf().verify(AUTHORITY.authorityCertificate().getPublicKey());
        assertThat(node.trustedAuthorities()).containsExactly(AUTHORITY.authorityCertificate());
        assertThat(node.leaf().getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
    }

    @Test
    void pemFilesRoundTrip() {
        TlsMaterial.PemFiles files = AUTHORITY.writeNode(CLUSTER, 7, dir);
        TlsMaterial.Loaded loaded = files.load();
        assertThat(NodeIdentity.nodeIdOf(loaded.leaf())).hasValue(7);
        assertThat(loaded.certificateChain()).hasSize(2);
        assertThat(loaded.trustedAuthorities()).containsExactly(AUTHORITY.authorityCertificate());
        assertThat(loaded.privateKey().getAlgorithm()).isEqualTo("EC");
    }

    @Test
    void aPemFileWithoutWhatIsExpectedIsRefusedNamingTheFile() throws Exception {
        Path empty = Files.writeString(dir.resolve("empty.pem"), "nothing here\n");
        assertThatThrownBy(() -> Pem.readCertificates(empty)).hasMessageContaining("empty.pem");
        assertThatThrownBy(() -> Pem.readPrivateKey(empty)).hasMessageContaining("empty.pem");
    }

    @Test
    void theTrustManagerRefusesStrangersAndCertificatesWithoutANode() throws Exception {
        PeerTrustManager trust = PeerTrustManager.trusting(List.of(AUTHORITY.authorityCertificate()));
        X509Certificate[] good =
                AUTHORITY.issueNode(CLUSTER, 1).certificateChain().toArray(X509Certificate[]::new);
        trust.checkClientTrusted(good, "UNKNOWN");
        trust.checkServerTrusted(good, "UNKNOWN");

        X509Certificate[] stranger = SelfSignedCertificates.newAuthority("other")
                .issueNode(CLUSTER, 1)
                .certificateChain()
                .toArray(X509Certificate[]::new);
        assertThatThrownBy(() -> trust.checkServerTrusted(stranger, "UNKNOWN"))
                .isInstanceOf(CertificateException.class);

        // The authority's own certificate chains to itself but names no node.
        X509Certificate[] noNode = {AUTHORITY.authorityCertificate()};
        assertThatThrownBy(() -> trust.checkClientTrusted(noNode, "UNKNOWN"))
                .isInstanceOf(CertificateException.class)
                .hasMessageContaining("names no node");
    }

    @Test
    void aClusterNameMustBeSafeInAUri() {
        assertThat(NodeIdentity.requireValidClusterName("prod-eu_1.a")).isEqualTo("prod-eu_1.a");
        for (String bad : new String[] {"", "-lead", "a b", "a:b", "x".repeat(64), "caf\u00e9"}) {
            assertThatThrownBy(() -> NodeIdentity.requireValidClusterName(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("1 to 63 letters");
            assertThatThrownBy(() -> AUTHORITY.issueNode(bad, 1)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void loadedMaterialNeedsAChainAndAnAuthority() {
        TlsMaterial.Loaded node = AUTHORITY.issueNode(CLUSTER, 1);
        assertThatThrownBy(() -> new TlsMaterial.Loaded(node.privateKey(), List.of(), node.trustedAuthorities()))
                .hasMessageStartingWith("certificateChain");
        assertThatThrownBy(() -> new TlsMaterial.Loaded(node.privateKey(), node.certificateChain(), List.of()))
                .hasMessageStartingWith("trustedAuthorities");
    }
}
