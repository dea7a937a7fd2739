package io.armada.raft.transport.tls;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.OptionalLong;

/**
 * Binds a Raft node id to a certificate: the certificate names its node in a subject alternative
 * name URI {@code urn:armada:node:<id>}. The transport trusts that name (signed by the cluster's
 * authority), never an id a peer merely claims on the wire.
 */
public final class NodeIdentity {
    /** Prefix of the subject alternative name URI that carries the node id. */
    public static final String URI_PREFIX = "urn:armada:node:";
    private static final int SAN_URI = 6;

    private NodeIdentity() {
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
        Collection<List<?>> names;
        try {
            names = certificate.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return OptionalLong.empty();
        }
        if (names == null) {
            return OptionalLong.empty();
        }
        OptionalLong found = OptionalLong.empty();
        for (List<?> name : names) {
            if (name.size() < 2 || !(name.get(0) instanceof Integer type) || type != SAN_URI
                    || !(name.get(1) instanceof String uri) || !uri.startsWith(URI_PREFIX)) {
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
