package io.armada.storage;

/** The table does not exist in this store (never created, or dropped). */
public final class NoSuchTableException extends RuntimeException {
    public NoSuchTableException(long tableId) {
        super("table " + tableId + " does not exist", null, false, false);
    }
}
