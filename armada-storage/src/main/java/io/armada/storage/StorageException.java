package io.armada.storage;

/** RocksDB failed underneath the table store; the node cannot go on trusting its data. */
public final class StorageException extends RuntimeException {
    /** Stored data that breaks the table store's format: corruption, which no replica should apply around. */
    public StorageException(String message) {
        super(message);
    }

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
