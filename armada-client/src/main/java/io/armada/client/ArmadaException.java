package io.armada.client;

/** A request Armada refused or could not complete: the gRPC status {@link #code()} and the server's message. */
public final class ArmadaException extends RuntimeException {
    /** The status codes a caller acts on (gRPC's names). */
    public enum Code {
        INVALID_ARGUMENT,
        NOT_FOUND,
        ALREADY_EXISTS,
        FAILED_PRECONDITION,
        RESOURCE_EXHAUSTED,
        UNAVAILABLE,
        DEADLINE_EXCEEDED,
        CANCELLED,
        UNAUTHENTICATED,
        PERMISSION_DENIED,
        INTERNAL,
        UNKNOWN
    }

    private final Code code;

    public ArmadaException(Code code, String message, Throwable cause) {
        super(code + ": " + message, cause);
        this.code = code;
    }

    public Code code() {
        return code;
    }
}
