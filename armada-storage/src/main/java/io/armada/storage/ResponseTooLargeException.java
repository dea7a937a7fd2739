package io.armada.storage;

/**
 * A command's response would exceed {@link io.armada.proto.Limits#MAX_WRITE_RESPONSE_BYTES}: the
 * command fails as a whole, on every replica alike, and writes nothing. The message names the field
 * and the limit.
 */
public final class ResponseTooLargeException extends RuntimeException {
    public ResponseTooLargeException(String message) {
        super(message, null, false, false);
    }
}
