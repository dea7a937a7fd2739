package io.armada.cli;

import io.armada.client.ArmadaClient;
import io.armada.client.ClientTls;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine;

/** Where and how the client commands reach a cluster. */
final class ClientOptions {
    @CommandLine.Option(
            names = "--endpoints",
            defaultValue = "127.0.0.1:6001,127.0.0.1:6002,127.0.0.1:6003",
            description = "Comma-separated host:port of cluster nodes (default: the nodes of `armada dev`).")
    String endpoints;

    @CommandLine.Option(
            names = "--timeout",
            defaultValue = "10s",
            description = "Deadline per request, e.g. 500ms, 10s (default: ${DEFAULT-VALUE}).")
    String timeout;

    @CommandLine.Option(names = "--cacert", description = "PEM CA bundle that verifies the servers; turns TLS on.")
    Path caCert;

    @CommandLine.Option(
            names = "--cert",
            description = "PEM client certificate, for clusters that require mutual TLS; turns TLS on.")
    Path cert;

    @CommandLine.Option(names = "--key", description = "PEM (PKCS#8) private key of --cert.")
    Path key;

    /** TLS exactly when a CA or a client certificate is given; an unusable option is an IllegalArgumentException naming it. */
    /** The endpoints as the client gets them, in order: what per-endpoint output lines up with. */
    List<String> endpointList() {
        return List.of(endpoints.split(","));
    }

    ArmadaClient connect() {
        boolean tls = caCert != null || cert != null;
        return new ArmadaClient(endpointList(), parse(timeout), tls ? new ClientTls(caCert, cert, key) : null);
    }

    private static Duration parse(String text) {
        if (text.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
        }
        if (text.endsWith("s")) {
            return Duration.ofSeconds(Long.parseLong(text.substring(0, text.length() - 1)));
        }
        throw new IllegalArgumentException("--timeout: '" + text + "' is not like 500ms or 10s");
    }
}
