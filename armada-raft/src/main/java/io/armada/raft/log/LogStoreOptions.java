package io.armada.raft.log;

/** Tuning of the log store's RocksDB instance. */
public record LogStoreOptions(long writeBufferBytes) {
    public LogStoreOptions {
        if (writeBufferBytes < 1 << 20) {
            throw new IllegalArgumentException(
                    "writeBufferBytes: " + writeBufferBytes + " is below the minimum of 1 MiB");
        }
    }

    public static LogStoreOptions defaults() {
        return new LogStoreOptions(64L << 20);
    }
}
