package io.armada.storage;

/**
 * A request that breaks the API's rules or limits. The message names the field and the limit;
 * the server answers it as INVALID_ARGUMENT. It never reaches Raft.
 */
public final class InvalidRequestException extends RuntimeException {
    public InvalidRequestException(String message) {
        super(message, null, false, false);
    }
}
