package io.armada.server.api;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/** Exposes whether a call was forwarded by another member, as {@link #FORWARDED} in the call's context. */
final class ForwardedInterceptor implements ServerInterceptor {
    static final Context.Key<Boolean> FORWARDED = Context.keyWithDefault("armada-forwarded", false);

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        boolean forwarded = headers.containsKey(Peers.FORWARDED_BY);
        return Contexts.interceptCall(Context.current().withValue(FORWARDED, forwarded), call, headers, next);
    }
}
