package io.armada.server.api;

import io.armada.internal.v1.CommandError;
import io.armada.proto.Trailers;
import io.armada.raft.engine.RaftException;
import io.armada.storage.InvalidRequestException;
import io.armada.storage.NoSuchTableException;
import io.armada.storage.StorageException;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns every failure into the gRPC status a client can act on, with a message naming what was
 * wrong. Nothing else reaches a client: unexpected exceptions become INTERNAL with no stack trace
 * (it goes to the node's log).
 */
public final class Errors {
    private static final Logger log = LoggerFactory.getLogger(Errors.class);

    /** Trailer naming the client address of the group's leader, when known, on UNAVAILABLE. */
    public static final Metadata.Key<String> LEADER_HINT = Trailers.LEADER_HINT;

    private Errors() {}

    /** UNAVAILABLE for a request that may have taken effect (a client must not resend a write blindly). */
    public static StatusRuntimeException unavailable(String message, String leaderAddress) {
        return unavailable(message, leaderAddress, false);
    }

    /** UNAVAILABLE for a request refused before anything was proposed: safe to send again elsewhere. */
    public static StatusRuntimeException refused(String message, String leaderAddress) {
        return unavailable(message, leaderAddress, true);
    }

    private static StatusRuntimeException unavailable(String message, String leaderAddress, boolean notApplied) {
        Metadata trailers = new Metadata();
        if (leaderAddress != null) {
            trailers.put(LEADER_HINT, leaderAddress);
        }
        if (notApplied) {
            trailers.put(Trailers.NOT_APPLIED, "true");
        }
        return Status.UNAVAILABLE.withDescription(message).asRuntimeException(trailers);
    }

    public static StatusRuntimeException notFound(String message) {
        return Status.NOT_FOUND.withDescription(message).asRuntimeException();
    }

    public static StatusRuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }

    /** A committed command that every replica recorded as failed: it changed nothing. */
    public static StatusRuntimeException failedCommand(CommandError error) {
        Status status = switch (error.getReason()) {
            case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
            case RESOURCE_EXHAUSTED -> Status.RESOURCE_EXHAUSTED;
            case TABLE_DELETED -> Status.NOT_FOUND;
            case INTERNAL, REASON_UNSPECIFIED, UNRECOGNIZED -> Status.INTERNAL;
        };
        return status.withDescription(error.getMessage()).asRuntimeException();
    }

    public static StatusRuntimeException toStatus(Throwable t) {
        Throwable e = unwrap(t);
        if (e instanceof StatusRuntimeException sre) {
            return sre;
        }
        if (e instanceof StatusException se) {
            return se.getStatus().asRuntimeException(se.getTrailers());
        }
        if (e instanceof InvalidRequestException
                || (e instanceof IllegalArgumentException
                        && e.getStackTrace().length > 0
                        && e.getStackTrace()[0].getClassName().startsWith("io.armada.storage"))) {
            return invalid(e.getMessage());
        }
        if (e instanceof NoSuchTableException) {
            return notFound(e.getMessage());
        }
        if (e instanceof RaftException re) {
            return switch (re.kind()) {
                case NOT_LEADER -> refused(re.getMessage() + "; retry", null);
                case OVERLOADED ->
                    Status.RESOURCE_EXHAUSTED
                            .withDescription(re.getMessage() + "; retry later")
                            .asRuntimeException();
                case NO_SUCH_GROUP -> notFound("the table was deleted: " + re.getMessage());
                case OUTCOME_UNKNOWN ->
                    unavailable(
                            "the write may or may not have been applied (leadership" + " changed before it committed): "
                                    + re.getMessage(),
                            null);
                case INVALID -> invalid(re.getMessage());
                case STOPPED -> unavailable("the node is stopping: " + re.getMessage(), null);
            };
        }
        if (e instanceof TimeoutException) {
            return unavailable("no quorum answered in time; the write may or may not be applied", null);
        }
        if (e instanceof CancellationException) {
            return Status.CANCELLED.withDescription("cancelled").asRuntimeException();
        }
        if (e instanceof StorageException) {
            log.error("storage failure", e);
            return Status.INTERNAL
                    .withDescription("storage failure on this node; see its log")
                    .asRuntimeException();
        }
        log.error("unexpected failure serving a request", e);
        return Status.INTERNAL
                .withDescription("internal error on this node; see its log")
                .asRuntimeException();
    }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
