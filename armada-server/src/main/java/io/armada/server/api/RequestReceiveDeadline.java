package io.armada.server.api;

import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Resets a call whose request message has not fully arrived {@code timeoutMillis} after its headers
 * ({@link io.armada.proto.Limits#REQUEST_RECEIVE_TIMEOUT_MILLIS}). HTTP/2 lets a client open a stream,
 * declare a body and never finish it; each such stream holds up to its flow-control window of
 * buffered bytes, and an active stream keeps its connection from ever being idle. Every method
 * whose request is one message is covered; client-streaming methods (Restore) are exempt, their
 * messages arrive over time. Instead of a timer per call, waiting calls sit in a set that is swept a
 * few times per timeout, so the write path pays one set insert and remove.
 *
 * <p>The reset works as {@link StreamCutOff}'s: the tracer's context is the call's parent, and
 * cancelling it with DEADLINE_EXCEEDED makes gRPC reset the stream.
 */
final class RequestReceiveDeadline extends ServerStreamTracer.Factory implements AutoCloseable {
    private static final ServerStreamTracer NONE = new ServerStreamTracer() {};
    private static final int SWEEPS_PER_TIMEOUT = 5;

    private final long timeoutNanos;
    private final Set<String> exempt;
    private final Set<Waiting> waiting = ConcurrentHashMap.newKeySet();
    private final ScheduledFuture<?> sweeper;

    /** @param exempt full names of the methods whose request is a stream of messages */
    RequestReceiveDeadline(ScheduledExecutorService timer, long timeoutMillis, Set<String> exempt) {
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        this.exempt = Set.copyOf(exempt);
        long period = Math.max(1, timeoutMillis / SWEEPS_PER_TIMEOUT);
        this.sweeper = timer.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.MILLISECONDS);
    }

    /** A call whose request has not arrived yet. */
    private static final class Waiting {
        final long sinceNanos = System.nanoTime();
        final String method;
        volatile Context.CancellableContext context;

        Waiting(String method) {
            this.method = method;
        }
    }

    @Override
    public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
        if (exempt.contains(fullMethodName)) {
            return NONE;
        }
        Waiting call = new Waiting(fullMethodName);
        return new ServerStreamTracer() {
            @Override
            public Context filterContext(Context context) {
                Context.CancellableContext cancellable = context.withCancellation();
                call.context = cancellable;
                waiting.add(call);
                return cancellable;
            }

            @Override
            public void inboundMessageRead(int seqNo, long optionalWireSize, long optionalUncompressedSize) {
                waiting.remove(call);
            }

            @Override
            public void streamClosed(Status status) {
                waiting.remove(call);
            }
        };
    }

    /** How many calls wait for their request now (for tests and metrics). */
    int waiting() {
        return waiting.size();
    }

    private void sweep() {
        long now = System.nanoTime();
        List<Waiting> expired = waiting.stream()
                .filter(call -> now - call.sinceNanos > timeoutNanos)
                .toList();
        for (Waiting call : expired) {
            if (waiting.remove(call)) { // else its request arrived meanwhile
                call.context.cancel(Status.DEADLINE_EXCEEDED
                        .withDescription(call.method + ": the request did not"
                                + " arrive within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos)
                                + " ms (Limits.REQUEST_RECEIVE_TIMEOUT_MILLIS)")
                        .asRuntimeException());
            }
        }
    }

    @Override
    public void close() {
        sweeper.cancel(false);
    }
}
