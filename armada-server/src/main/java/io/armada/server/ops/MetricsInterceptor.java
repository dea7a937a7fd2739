package io.armada.server.ops;

import io.armada.server.api.ForwardedBy;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Counts and times every gRPC call by method, final status code and whether another member
 * forwarded it ({@code forwarded="true"}: a write that reached a non-leader first and took an
 * extra hop — clients that route to the leader keep this near zero), from start to close.
 */
public final class MetricsInterceptor implements ServerInterceptor {
    private final MeterRegistry registry;

    public MetricsInterceptor(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        long start = System.nanoTime();
        String method = call.getMethodDescriptor().getFullMethodName();
        String forwarded = Boolean.toString(headers.containsKey(ForwardedBy.HEADER));
        return next.startCall(
                new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                    @Override
                    public void close(Status status, Metadata trailers) {
                        String code = status.getCode().name();
                        registry.counter("armada_grpc_requests", "method", method, "code", code, "forwarded", forwarded)
                                .increment();
                        Timer.builder("armada_grpc_request")
                                .tags("method", method, "code", code, "forwarded", forwarded)
                                .publishPercentileHistogram()
                                .register(registry)
                                .record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
                        super.close(status, trailers);
                    }
                },
                headers);
    }
}
