package io.armada.client;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * TLS towards the cluster: {@code caFile} (PEM) verifies the servers (null: the JVM's default
 * trust store); {@code certFile} and {@code keyFile} (PEM, PKCS#8 key) authenticate this client
 * to a cluster that requires mutual TLS, and are given together or not at all.
 */
public record ClientTls(Path caFile, Path certFile, Path keyFile) {
    public ClientTls {
        if ((certFile == null) != (keyFile == null)) {
            throw new IllegalArgumentException("tls: a client certificate and its key are given together");
        }
        for (Path p : new Path[] {caFile, certFile, keyFile}) {
            if (p != null && !Files.isReadable(p)) {
                throw new IllegalArgumentException("tls: cannot read " + p);
            }
        }
    }
}
