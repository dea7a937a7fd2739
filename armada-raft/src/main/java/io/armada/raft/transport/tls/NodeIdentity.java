package io.armada.raft.transport.tls;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * Binds a Raft node id and its cluster to a certificate: the certificate names its node in a
 * subject alternative name URI {@code urn:armada:node:<id>} and its cluster in another,
 * {@code urn:armada:cluster:<cluster-name>}. The transport trusts those names (signed by the
 * cluster's authority), never an id a peer merely claims on the wire; the cluster name keeps a node
 * of another cluster whose certificate comes from the same authority from joining this one.
 */
public final class NodeIdentity {
    /** Prefix of the subject alternative name URI that carries the node id. */
    public static final String URI_PREFIX = "urn:armada:node:";
    /** Prefix of the subject alternative name URI that carries the cluster name. */
    public static final String CLUSTER_URI_PREFIX = "urn:armada:cluster:";
    /** Longest cluster name: it travels in every connection's hello and must fit a DNS label. */
    public static final int MAX_CLUSTER_NAME_LENGTH = 63;
    /** Letters, digits, '.', '_' and '-', starting with a letter or digit: safe in a URI without escaping. */
    private static final Pattern CLUSTER_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    private static final int SAN_URI = 6;

    private NodeIdentity() {}

    /**
     * Checks a cluster name.
     *
     * @throws IllegalArgumentException naming the rule if it is not 1 to 63 letters, digits, '.', '_' or '-'
     */
    public static String requireValidClusterName(String clusterName) {
        if (clusterName == null || !CLUSTER_NAME.matcher(clusterName).matches()) {
            throw new IllegalArgumentException("cluster name '" + clusterName + "' must be 1 to "
                    + MAX_CLUSTER_NAME_LENGTH + " letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        return clusterName;
    }

    /** The subject alternative name URI for cluster {@code clusterName}. */
    public static String clusterUriFor(String clusterName) {
        return CLUSTER_URI_PREFIX + requireValidClusterName(clusterName);
    }

    /**
     * The cluster the certificate names, or empty if it names none, or two different ones (its
     * holder's cluster would be ambiguous).
     */
    public static Optional<String> clusterOf(X509Certificate certificate) {
        Optional<String> found = Optional.empty();
        for (String uri : sanUris(certificate)) {
            if (!uri.startsWith(CLUSTER_URI_PREFIX)) {
                continue;
            }
            String name = uri.substring(CLUSTER_URI_PREFIX.length());
            if (found.isPresent() && !found.get().equals(name)) {
                return Optional.empty();
            }
            found = Optional.of(name);
        }
        return found;
    }

    private static List<String> sanUris(X509Certificate certificate) {
        Collection<List<?>> names;
        try {
            names = certificate.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return List.of();
        }
        if (names == null) {
            return List.of();
        }
        List<String> uris = new ArrayList<>();
        for (List<?> name : names) {
            if (name.size() >= 2
                    && name.get(0) instanceof Integer type
                    && type == SAN_URI
                    && name.get(1) instanceof String uri) {
                uris.add(uri);
            }
        }
        return uris;
    }

    /** The subject alternative name URI for {@code nodeId}. */
    public static String uriFor(long nodeId) {
        return URI_PREFIX + Long.toUnsignedString(nodeId);
    }

    /**
     * The node id the certificate names, or empty if it names none. A certificate naming two
     * different nodes is refused (empty): its holder's identity would be ambiguous.
     */
    public static OptionalLong nodeIdOf(X509Certificate certificate) {
        OptionalLong found = OptionalLong.empty();
        for (String uri : sanUris(certificate)) {
            if (!uri.startsWith(URI_PREFIX)) {
                continue;
            }
            long id;
            try {
                id = Long.parseUnsignedLong(uri.substring(URI_PREFIX.length()));
            } catch (NumberFormatException e) {
                return OptionalLong.empty();
            }
            if (found.isPresent() && found.getAsLong() != id) {
                return OptionalLong.empty();
            }
            found = OptionalLong.of(id);
        }
        return found;
    }
}
