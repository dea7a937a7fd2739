package io.armada.raft.log;

/** A log store operation failed. Write failures are fatal to the node. */
public final class LogStoreException extends RuntimeException {
    public LogStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
