package io.armada.server.api;

import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.ServerStreamTracer;
import java.util.Set;

/**
 * Gives each call of a streaming method a context the node can cancel, so a stalled stream can be
 * reset on the wire ({@link PacedStream#CALL_CONTEXT}). gRPC keeps a call's own cancellable context
 * out of the application's reach; the context a stream tracer returns from {@code filterContext} is
 * its parent, and cancelling the parent with DEADLINE_EXCEEDED cancels the call's context too,
 * which gRPC answers by resetting the stream (RST_STREAM), as when a deadline passes.
 */
final class StreamCutOff extends ServerStreamTracer.Factory {
    private static final ServerStreamTracer NONE = new ServerStreamTracer() {};
    private final Set<String> streamingMethods;

    /** @param streamingMethods full names of the methods whose calls get a cancellable context */
    StreamCutOff(Set<String> streamingMethods) {
        this.streamingMethods = Set.copyOf(streamingMethods);
    }

    @Override
    public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
        if (!streamingMethods.contains(fullMethodName)) {
            return NONE; // unary calls (the write path) pay nothing
        }
        return new ServerStreamTracer() {
            @Override
            public Context filterContext(Context context) {
                Context.CancellableContext cutOff = context.withCancellation();
                return cutOff.withValue(PacedStream.CALL_CONTEXT, cutOff);
            }
        };
    }
}
