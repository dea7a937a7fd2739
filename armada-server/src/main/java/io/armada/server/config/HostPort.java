package io.armada.server.config;

import com.google.common.net.HostAndPort;
import java.net.InetSocketAddress;

/** A {@code host:port} address from configuration; port 0 asks for any free port. */
public record HostPort(String host, int port) {
    public HostPort {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host is empty");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port " + port + " is outside 0..65535");
        }
    }

    /** Parses {@code host:port} ({@code [v6]:port} for IPv6; an unbracketed IPv6 address is refused). */
    public static HostPort parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("'null' is not host:port");
        }
        HostAndPort parsed;
        try {
            parsed = HostAndPort.fromString(text).requireBracketsForIPv6();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "' is not host:port (" + e.getMessage() + ")");
        }
        if (!parsed.hasPort()) {
            throw new IllegalArgumentException("'" + text + "' is not host:port: the port is missing");
        }
        return new HostPort(parsed.getHost(), parsed.getPort());
    }

    public InetSocketAddress toSocketAddress() {
        return new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }
}
