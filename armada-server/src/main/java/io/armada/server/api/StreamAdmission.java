package io.armada.server.api;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.net.SocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Caps the server-streaming calls of a service (IterateRange, LogService.Snapshot) open at once, per
 * client connection and on the node; one over either cap is refused with RESOURCE_EXHAUSTED naming it. A
 * call holds its slot until gRPC reports it over (completed with its status sent, or cancelled), so
 * a stream whose final status is stuck behind an unread window still counts: the caps bound what
 * never-read streams pin, not only what the services are still producing. Unary calls pass untouched.
 */
final class StreamAdmission implements ServerInterceptor {
    /** A cap and the name of the limit it enforces, for the refusal's message. */
    record Cap(int max, String limit) {}

    private final String calls;
    private final Cap perConnectionCap;
    private final Cap perNodeCap;
    private final AtomicInteger open = new AtomicInteger();
    private final ConcurrentHashMap<SocketAddress, AtomicInteger> perConnection = new ConcurrentHashMap<>();

    /** @param calls names the calls this instance admits in refusals, e.g. "IterateRange calls" */
    StreamAdmission(String calls, Cap perConnection, Cap perNode) {
        this.calls = calls;
        this.perConnectionCap = perConnection;
        this.perNodeCap = perNode;
    }

    /** Streams open on the node now. */
    int open() {
        return open.get();
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (call.getMethodDescriptor().getType() != MethodDescriptor.MethodType.SERVER_STREAMING) {
            return next.startCall(call, headers);
        }
        // the remote address (ip:port) identifies the connection: one TCP connection, one address
        SocketAddress connection = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        String refusal = admit(connection);
        if (refusal != null) {
            call.close(Status.RESOURCE_EXHAUSTED.withDescription(refusal), new Metadata());
            return new ServerCall.Listener<>() {};
        }
        AtomicBoolean released = new AtomicBoolean();
        Runnable release = () -> {
            if (released.compareAndSet(false, true)) {
                leave(connection);
            }
        };
        ServerCall.Listener<Q> inner;
        try {
            inner = next.startCall(call, headers);
        } catch (RuntimeException e) {
            release.run();
            throw e;
        }
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(inner) {
            @Override
            public void onComplete() {
                release.run();
                super.onComplete();
            }

            @Override
            public void onCancel() {
                release.run();
                super.onCancel();
            }
        };
    }

    /** Takes a slot, or says which cap refuses it. */
    private String admit(SocketAddress connection) {
        if (open.incrementAndGet() > perNodeCap.max()) {
            open.decrementAndGet();
            return "too many " + calls + " open on this node (limit " + perNodeCap.max() + ", " + perNodeCap.limit()
                    + "); retry later";
        }
        if (connection != null) {
            int[] mine = new int[1];
            perConnection.compute(connection, (k, n) -> {
                AtomicInteger count = n == null ? new AtomicInteger() : n;
                mine[0] = count.incrementAndGet();
                return count;
            });
            if (mine[0] > perConnectionCap.max()) {
                leave(connection);
                return "too many " + calls + " open on this connection (limit " + perConnectionCap.max() + ", "
                        + perConnectionCap.limit() + "); finish or cancel one first";
            }
        }
        return null;
    }

    private void leave(SocketAddress connection) {
        if (connection != null) {
            perConnection.computeIfPresent(connection, (k, n) -> n.decrementAndGet() == 0 ? null : n);
        }
        open.decrementAndGet();
    }
}
