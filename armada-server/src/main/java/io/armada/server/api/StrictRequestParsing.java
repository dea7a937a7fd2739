package io.armada.server.api;

import io.armada.proto.Limits;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import java.io.InputStream;

/**
 * Answers a request body that is not a valid protobuf message with INVALID_ARGUMENT.
 *
 * <p>gRPC parses a request before any service code runs; when its parser throws, gRPC reports the
 * failure as UNKNOWN ("application error"), which tells the client nothing useful and reads like a
 * server bug. This wrapper takes the request off the wire as bytes and parses it itself, so a bad
 * body is the caller's error with a message naming the method. A compressed body is decompressed
 * while it is parsed here ({@link StrictGzip}), so one too large once decompressed is
 * RESOURCE_EXHAUSTED naming the limit and one that is not gzip is INVALID_ARGUMENT saying so.
 */
final class StrictRequestParsing {
    private StrictRequestParsing() {}

    /** {@code service} with every method reading its request through a parser that fails with INVALID_ARGUMENT. */
    static ServerServiceDefinition wrap(ServerServiceDefinition service) {
        ServerServiceDefinition.Builder b =
                ServerServiceDefinition.builder(service.getServiceDescriptor().getName());
        for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
            b.addMethod(strict(method));
        }
        return b.build();
    }

    private static <Q, R> ServerMethodDefinition<InputStream, R> strict(ServerMethodDefinition<Q, R> method) {
        MethodDescriptor<Q, R> typed = method.getMethodDescriptor();
        MethodDescriptor<InputStream, R> onWire = typed.toBuilder(RawRequest.INSTANCE, typed.getResponseMarshaller())
                .build();
        ServerCallHandler<Q, R> handler = method.getServerCallHandler();
        return ServerMethodDefinition.create(onWire, (call, headers) -> {
            ServerCall.Listener<Q> inner = handler.startCall(new TypedCall<>(call, typed), headers);
            return new ParsingListener<>(call, typed, inner);
        });
    }

    /** Parses each request body and hands it on, or closes the call with INVALID_ARGUMENT. */
    private static final class ParsingListener<Q, R> extends ServerCall.Listener<InputStream> {
        private final ServerCall<InputStream, R> call;
        private final MethodDescriptor<Q, R> typed;
        private final ServerCall.Listener<Q> inner;
        private boolean refused;

        ParsingListener(ServerCall<InputStream, R> call, MethodDescriptor<Q, R> typed, ServerCall.Listener<Q> inner) {
            this.call = call;
            this.typed = typed;
            this.inner = inner;
        }

        @Override
        public void onMessage(InputStream body) {
            if (refused) {
                return;
            }
            Q request;
            try {
                request = typed.parseRequest(body);
            } catch (RuntimeException e) {
                refused = true;
                call.close(refusal(e), new Metadata());
                return;
            }
            inner.onMessage(request);
        }

        /** Why a body that did not parse is refused: too large once decompressed, not gzip, or not the message. */
        private Status refusal(RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof io.grpc.StatusRuntimeException sre
                        && sre.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED) {
                    return Status.RESOURCE_EXHAUSTED.withDescription("the decompressed " + typed.getFullMethodName()
                            + " request exceeds " + Limits.MAX_REQUEST_BYTES + " bytes (Limits.MAX_REQUEST_BYTES)");
                }
                if (t instanceof StrictGzip.NotGzipException bad) {
                    return Status.INVALID_ARGUMENT.withDescription("the " + typed.getFullMethodName()
                            + " request body is not valid gzip: " + bad.getMessage());
                }
            }
            return Status.INVALID_ARGUMENT.withDescription(
                    "the request body is not a valid " + typed.getFullMethodName() + " request message");
        }

        @Override
        public void onHalfClose() {
            if (!refused) { // the call is closed already; the service must not answer it
                inner.onHalfClose();
            }
        }

        @Override
        public void onCancel() {
            inner.onCancel();
        }

        @Override
        public void onComplete() {
            inner.onComplete();
        }

        @Override
        public void onReady() {
            if (!refused) {
                inner.onReady();
            }
        }
    }

    /** The call as the service sees it: its own typed method descriptor, everything else the wire call's. */
    private static final class TypedCall<Q, R> extends ServerCall<Q, R> {
        private final ServerCall<InputStream, R> onWire;
        private final MethodDescriptor<Q, R> typed;

        TypedCall(ServerCall<InputStream, R> onWire, MethodDescriptor<Q, R> typed) {
            this.onWire = onWire;
            this.typed = typed;
        }

        @Override
        public MethodDescriptor<Q, R> getMethodDescriptor() {
            return typed;
        }

        @Override
        public void request(int numMessages) {
            onWire.request(numMessages);
        }

        @Override
        public void sendHeaders(Metadata headers) {
            onWire.sendHeaders(headers);
        }

        @Override
        public void sendMessage(R message) {
            onWire.sendMessage(message);
        }

        @Override
        public boolean isReady() {
            return onWire.isReady();
        }

        @Override
        public void close(Status status, Metadata trailers) {
            onWire.close(status, trailers);
        }

        @Override
        public boolean isCancelled() {
            return onWire.isCancelled();
        }

        @Override
        public void setMessageCompression(boolean enabled) {
            onWire.setMessageCompression(enabled);
        }

        @Override
        public void setCompression(String compressor) {
            onWire.setCompression(compressor);
        }

        @Override
        public void setOnReadyThreshold(int numBytes) {
            onWire.setOnReadyThreshold(numBytes);
        }

        @Override
        public io.grpc.SecurityLevel getSecurityLevel() {
            return onWire.getSecurityLevel();
        }

        @Override
        public io.grpc.Attributes getAttributes() {
            return onWire.getAttributes();
        }

        @Override
        public String getAuthority() {
            return onWire.getAuthority();
        }
    }

    /**
     * Hands the request body over unparsed. gRPC closes the stream once {@code onMessage} returns,
     * and {@link ParsingListener#onMessage} parses it before that, so no copy is needed.
     */
    private enum RawRequest implements MethodDescriptor.Marshaller<InputStream> {
        INSTANCE;

        @Override
        public InputStream stream(InputStream value) {
            return value;
        }

        @Override
        public InputStream parse(InputStream stream) {
            return stream;
        }
    }
}
