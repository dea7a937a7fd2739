package io.armada.storage;

/** RocksDB failed underneath the table store; the node cannot go on trusting its data. */
public final class StorageException extends RuntimeException {
    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
