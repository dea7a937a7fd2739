package io.armada.storage;

/**
 * Options of a node's table store.
 *
 * @param syncApply fsync every apply. Off by default: the Raft log is the durable record, and a
 *     command lost from the table's unsynced WAL tail at power loss is re-applied from the log
 *     (the applied index is lost with it, in the same batch). A process crash loses nothing either
 *     way, because the WAL write reaches the OS before apply returns.
 * @param blockCacheBytes RocksDB block cache shared by all tables
 * @param recentRecordsBytes the current records of recently written keys kept in memory for the
 *     apply path, shared by all tables ({@link RecentRecords}); 0 turns it off
 * @param memtableBytesPerTable RocksDB write buffer of each table's column family (two at most per
 *     table). Small on purpose: every write inserts into a memtable skiplist holding every version
 *     since the last flush, and a search through a large one is cache misses all the way down (with
 *     64 MiB it was ~10 % of all CPU under saturated single-table puts; see docs/benchmarks.md)
 * @param memtableBytesPerNode the memtables of all tables together (RocksDB's WriteBufferManager):
 *     past it the largest are flushed, so thousands of tables do not mean thousands of write
 *     buffers. Charged to the block cache, which therefore bounds memtables and cached blocks
 *     together; at most {@code blockCacheBytes}
 */
public record StoreOptions(
        boolean syncApply,
        long blockCacheBytes,
        long recentRecordsBytes,
        long memtableBytesPerTable,
        long memtableBytesPerNode) {
    public StoreOptions {
        if (memtableBytesPerNode < memtableBytesPerTable || memtableBytesPerNode > blockCacheBytes) {
            throw new IllegalArgumentException(
                    "memtableBytesPerNode: " + memtableBytesPerNode + " is not between" + " memtableBytesPerTable ("
                            + memtableBytesPerTable + ") and blockCacheBytes (" + blockCacheBytes + ")");
        }
        if (memtableBytesPerTable < 1 << 20) {
            throw new IllegalArgumentException(
                    "memtableBytesPerTable: " + memtableBytesPerTable + " is below the minimum of 1 MiB");
        }
        if (blockCacheBytes < 1 << 20) {
            throw new IllegalArgumentException(
                    "blockCacheBytes: " + blockCacheBytes + " is below the minimum of 1 MiB");
        }
        if (recentRecordsBytes < 0) {
            throw new IllegalArgumentException("recentRecordsBytes: " + recentRecordsBytes + " is negative");
        }
    }

    public static StoreOptions defaults() {
        return new StoreOptions(false, 128L << 20, 128L << 20, 8L << 20, 64L << 20);
    }

    public StoreOptions withRecentRecordsBytes(long bytes) {
        return new StoreOptions(syncApply, blockCacheBytes, bytes, memtableBytesPerTable, memtableBytesPerNode);
    }

    public StoreOptions withMemtableBytesPerNode(long bytes) {
        return new StoreOptions(syncApply, blockCacheBytes, recentRecordsBytes, memtableBytesPerTable, bytes);
    }
}
