package io.armada.server.api;

import io.grpc.Metadata;

/** The request header a member puts on a call it forwards to the group's leader: its own node id. */
public final class ForwardedBy {
    public static final Metadata.Key<String> HEADER =
            Metadata.Key.of("armada-forwarded-by", Metadata.ASCII_STRING_MARSHALLER);

    private ForwardedBy() {}
}
