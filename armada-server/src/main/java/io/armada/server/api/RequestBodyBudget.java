package io.armada.server.api;

import io.grpc.Context;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bounds the bytes of request messages still arriving on one node, over all its connections
 * ({@link io.armada.proto.Limits#MAX_UNFINISHED_REQUEST_BYTES_PER_NODE}). gRPC moves the bytes of a
 * message still arriving into its buffer as they come and hands their flow-control credit back at
 * once, so HTTP/2's window does not bound a partial message: without a node-wide budget, streams
 * that declare large bodies and finish none hold 100 x 4 MiB per connection for as many connections
 * as a client opens (UnfinishedRequestBodiesTest), past the JVM's direct memory.
 *
 * <p>Two halves meet through the call's {@link Context}. The stream tracer, on the connection's event
 * loop, counts each message's bytes as the deframer reports them ({@code inboundWireSize}) and
 * releases them when the message is complete or the stream ends. When a stream adds bytes while the
 * node is past the budget and its own message is past
 * {@link io.armada.proto.Limits#ALWAYS_ADMITTED_REQUEST_BYTES}, that call is closed with
 * RESOURCE_EXHAUSTED: the stream growing the excess is the one refused, and small requests are always
 * served. Once its trailers are sent gRPC drops what still arrives on the stream and returns no
 * flow-control credit for it, so a client going on sending is stopped by its window; the stream is
 * then reset by {@link RequestReceiveDeadline} unless the client resets it first, as a gRPC client
 * does on the trailers. Not resetting it at once matters: the frames already in flight would each
 * draw an RST_STREAM, which gRPC counts against the connection's limit
 * ({@link ApiServer#MAX_RST_FRAMES_PER_WINDOW}) and then closes the connection. The
 * interceptor hands the tracer the call to close, wrapped so that this close and the application's
 * (a refusal at start, say) never both reach gRPC, which allows one.
 *
 * <p>A refused request was never parsed, let alone applied: the status is the same that any request
 * refused before it ran gets, and retrying it later is safe.
 */
final class RequestBodyBudget extends ServerStreamTracer.Factory implements ServerInterceptor {
    private static final Context.Key<Body> BODY = Context.key("armada-request-body");

    private final long budget;
    private final int alwaysAdmitted;
    private final String limit;
    private final AtomicLong held = new AtomicLong();

    /**
     * @param budget most bytes of unfinished messages held on the node
     * @param alwaysAdmitted a message arrived up to this many bytes is never refused
     * @param limit the limit's name, for the refusal's message
     */
    RequestBodyBudget(long budget, int alwaysAdmitted, String limit) {
        this.budget = budget;
        this.alwaysAdmitted = alwaysAdmitted;
        this.limit = limit;
    }

    /** Bytes of request messages still arriving, held on the node now (for tests and metrics). */
    long held() {
        return held.get();
    }

    @Override
    public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
        Body body = new Body(fullMethodName);
        return new ServerStreamTracer() {
            @Override
            public Context filterContext(Context context) {
                return context.withValue(BODY, body);
            }

            @Override
            public void inboundWireSize(long bytes) {
                if (body.refused) {
                    return; // not counted again
                }
                long mine = body.partial.addAndGet(bytes);
                long now = held.addAndGet(bytes);
                if (now > budget && mine > alwaysAdmitted) {
                    // released at once, not when the close completes: otherwise every stream adding
                    // bytes meanwhile would be refused too, far more than the excess needs
                    body.refused = true;
                    release(body);
                    body.refuse(Status.RESOURCE_EXHAUSTED.withDescription(body.method
                            + ": requests still arriving at this node hold more than " + budget + " bytes ("
                            + limit + "); nothing of this one was applied, retry it later"));
                }
            }

            @Override
            public void inboundMessageRead(int seqNo, long optionalWireSize, long optionalUncompressedSize) {
                release(body);
            }

            @Override
            public void streamClosed(Status status) {
                release(body);
            }
        };
    }

    /** Once per message: gRPC may report the stream's end on another thread than its bytes. */
    private void release(Body body) {
        held.addAndGet(-body.partial.getAndSet(0));
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        Body body = BODY.get();
        if (body == null) { // a transport without the tracer (in-process)
            return next.startCall(call, headers);
        }
        OnceClosed<Q, R> guarded = new OnceClosed<>(call);
        Status refusal = body.attach(guarded);
        if (refusal != null) { // refused before the call started
            guarded.close(refusal, new Metadata());
            return new ServerCall.Listener<>() {};
        }
        return next.startCall(guarded, headers);
    }

    /**
     * One stream's message in arrival. {@code refused} is the event loop's alone (gRPC reports a
     * stream's inbound bytes on its connection's loop); {@code partial} is also released from wherever
     * the stream's end is reported; the rest is guarded by {@code this}.
     */
    private static final class Body {
        final String method;
        final AtomicLong partial = new AtomicLong();
        boolean refused;
        private OnceClosed<?, ?> call;
        private Status refusal;

        Body(String method) {
            this.method = method;
        }

        /** Closes the call with {@code status}, or records it for the call not started yet. Once. */
        void refuse(Status status) {
            OnceClosed<?, ?> toClose;
            synchronized (this) {
                if (refusal != null) {
                    return;
                }
                refusal = status;
                toClose = call;
            }
            if (toClose != null) {
                toClose.close(status, new Metadata());
            }
        }

        /** Attaches the started call; answers the refusal it must be closed with, if one came first. */
        synchronized Status attach(OnceClosed<?, ?> started) {
            call = started;
            return refusal;
        }
    }

    /** A call whose first close wins: a second (the budget's and the application's racing) is dropped. */
    private static final class OnceClosed<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
        private boolean closed;

        OnceClosed(ServerCall<Q, R> delegate) {
            super(delegate);
        }

        @Override
        public void close(Status status, Metadata trailers) {
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
            }
            super.close(status, trailers);
        }
    }
}
