package io.armada.storage;

import io.armada.api.v1.TableSnapshotChunk;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteBufferManager;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every table of one node, in one RocksDB instance with a column family per table.
 *
 * <p>Why a column family per table rather than a key prefix: dropping a table is one
 * {@code dropColumnFamily} (its files are deleted, nothing is rewritten and no other table is
 * touched), and a snapshot install builds the new content in a fresh column family and switches
 * to it in one synced write, so a crash mid-install leaves the old table intact.
 *
 * <p>Layout. The default column family maps {@code "table/" + id} to the generation of the
 * table's live column family, named {@code "t<id>.g<generation>"}. Inside a table's column family
 * the key {@code 0x00} holds the applied marker {@code [index:8][revision:8]} and {@code 0x01 + key}
 * holds a key's {@link VersionedValue}; a follower cluster's table adds {@code 0x00 'S'} (the last leader-cluster index
 * applied) and, while a leader-cluster snapshot is being loaded, {@code 0x00 'R'}. A snapshot install writes
 * all three from the stream's header. A command's effects and the marker go in one WriteBatch, so after
 * a crash the table is exactly at some applied index: replay re-applies nothing twice and skips
 * nothing. Column families without a pointer (a crashed install, a crashed drop) are dropped at open.
 */
public final class TableStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TableStore.class);
    private static final String POINTER_PREFIX = "table/";
    /** The WAL files kept at most, as a multiple of the memtable budget (RocksDB's default is 4 x the sum of all write buffers). */
    static final long MAX_TOTAL_WAL_BYTES_PER_MEMTABLE_BYTE = 4;

    private final RocksDB db;
    private final DBOptions dbOptions;
    private final ColumnFamilyOptions cfOptions;
    private final LRUCache blockCache;
    private final WriteBufferManager memtables;
    private final WriteOptions applyWrite;
    private final WriteOptions syncWrite;
    private final ColumnFamilyHandle defaultCf;
    private final Map<Long, Table> tables = new ConcurrentHashMap<>();
    private final Map<Long, Long> generations = new ConcurrentHashMap<>();
    private final RecentRecords recentRecords;

    static {
        RocksDB.loadLibrary();
    }

    private TableStore(
            RocksDB db,
            DBOptions dbOptions,
            ColumnFamilyOptions cfOptions,
            LRUCache blockCache,
            WriteBufferManager memtables,
            ColumnFamilyHandle defaultCf,
            StoreOptions options) {
        this.db = db;
        this.memtables = memtables;
        this.dbOptions = dbOptions;
        this.cfOptions = cfOptions;
        this.blockCache = blockCache;
        this.defaultCf = defaultCf;
        this.applyWrite = new WriteOptions().setSync(options.syncApply());
        this.syncWrite = new WriteOptions().setSync(true);
        this.recentRecords = new RecentRecords(options.recentRecordsBytes());
    }

    /** Opens (or creates) the store in {@code dir}, finishing or undoing any table operation a crash interrupted. */
    public static TableStore open(Path dir, StoreOptions options) {
        LRUCache cache = new LRUCache(options.blockCacheBytes());
        ColumnFamilyOptions cfOptions = new ColumnFamilyOptions()
                .setWriteBufferSize(options.memtableBytesPerTable())
                .setCompressionType(CompressionType.LZ4_COMPRESSION)
                .setTableFormatConfig(new BlockBasedTableConfig().setBlockCache(cache));
        WriteBufferManager memtables = new WriteBufferManager(
                options.memtableBytesPerNode(),
                cache,
                false); // no stall: past the budget the largest memtables are flushed, the apply path never waits
        DBOptions dbOptions = new DBOptions()
                .setCreateIfMissing(true)
                .setCreateMissingColumnFamilies(true)
                .setMaxBackgroundJobs(2)
                .setWriteBufferManager(memtables)
                // the WAL is shared by every table and a file is deleted only once every table with data in
                // it flushed: one write to an idle table would otherwise keep every later WAL file. Past this
                // total, RocksDB flushes the tables holding the oldest file
                .setMaxTotalWalSize(MAX_TOTAL_WAL_BYTES_PER_MEMTABLE_BYTE * options.memtableBytesPerNode());
        try {
            DurableDirectories.create(dir);
            List<byte[]> names;
            try (Options o = new Options()) {
                names = RocksDB.listColumnFamilies(o, dir.toString());
            }
            List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
            descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions));
            for (byte[] name : names) {
                if (!java.util.Arrays.equals(name, RocksDB.DEFAULT_COLUMN_FAMILY)) {
                    descriptors.add(new ColumnFamilyDescriptor(name, cfOptions));
                }
            }
            List<ColumnFamilyHandle> handles = new ArrayList<>();
            RocksDB db = RocksDB.open(dbOptions, dir.toString(), descriptors, handles);
            TableStore store = new TableStore(db, dbOptions, cfOptions, cache, memtables, handles.get(0), options);
            store.load(handles.subList(1, handles.size()));
            return store;
        } catch (RocksDBException | IOException e) {
            throw new StorageException("cannot open the table store in " + dir + ": " + e.getMessage(), e);
        }
    }

    private void load(List<ColumnFamilyHandle> handles) throws RocksDBException {
        Map<Long, Long> pointers = new HashMap<>();
        try (RocksIterator it = db.newIterator(defaultCf)) {
            byte[] prefix = POINTER_PREFIX.getBytes(StandardCharsets.UTF_8);
            for (it.seek(prefix); it.isValid() && startsWith(it.key(), prefix); it.next()) {
                long id = ByteBuffer.wrap(it.key(), prefix.length, Long.BYTES).getLong();
                pointers.put(id, ByteBuffer.wrap(it.value()).getLong());
            }
        }
        for (ColumnFamilyHandle h : handles) {
            String name = new String(h.getName(), StandardCharsets.UTF_8);
            long[] idGen = parseName(name);
            if (idGen != null && pointers.getOrDefault(idGen[0], -1L) == idGen[1]) {
                tables.put(idGen[0], new Table(idGen[0], db, h, applyWrite, recentRecords));
                generations.put(idGen[0], idGen[1]);
            } else {
                db.dropColumnFamily(h); // left over from an interrupted install or drop
                h.close();
            }
        }
        for (long id : pointers.keySet()) {
            if (!tables.containsKey(id)) {
                throw new IllegalStateException(
                        "table " + id + " has a pointer but no column family: the store is corrupt");
            }
        }
    }

    private static long[] parseName(String name) {
        if (!name.startsWith("t") || !name.contains(".g")) {
            return null;
        }
        try {
            int dot = name.indexOf(".g");
            return new long[] {Long.parseLong(name.substring(1, dot)), Long.parseLong(name.substring(dot + 2))};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && java.util.Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static byte[] pointerKey(long id) {
        byte[] prefix = POINTER_PREFIX.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(prefix.length + Long.BYTES)
                .put(prefix)
                .putLong(id)
                .array();
    }

    private static byte[] cfName(long id, long generation) {
        return ("t" + id + ".g" + generation).getBytes(StandardCharsets.UTF_8);
    }

    /** Creates an empty table; fails if it exists. */
    public synchronized Table createTable(long tableId) {
        if (tables.containsKey(tableId)) {
            throw new IllegalStateException("table " + tableId + " already exists");
        }
        try {
            ColumnFamilyHandle cf = db.createColumnFamily(new ColumnFamilyDescriptor(cfName(tableId, 1), cfOptions));
            db.put(
                    defaultCf,
                    syncWrite,
                    pointerKey(tableId),
                    ByteBuffer.allocate(8).putLong(1).array());
            Table table = new Table(tableId, db, cf, applyWrite, recentRecords);
            tables.put(tableId, table);
            generations.put(tableId, 1L);
            return table;
        } catch (RocksDBException e) {
            throw new StorageException("cannot create table " + tableId, e);
        }
    }

    /** Deletes the table and all of its data; other tables are not touched. */
    public synchronized void dropTable(long tableId) {
        Table table = tables.remove(tableId);
        if (table == null) {
            throw new NoSuchTableException(tableId);
        }
        generations.remove(tableId);
        ColumnFamilyHandle cf = table.markDropped();
        try {
            db.delete(defaultCf, syncWrite, pointerKey(tableId));
            db.dropColumnFamily(cf);
            cf.close();
        } catch (RocksDBException e) {
            throw new StorageException("cannot drop table " + tableId, e);
        }
    }

    public Table table(long tableId) {
        Table t = tables.get(tableId);
        if (t == null) {
            throw new NoSuchTableException(tableId);
        }
        return t;
    }

    public boolean hasTable(long tableId) {
        return tables.containsKey(tableId);
    }

    public Set<Long> tables() {
        return Set.copyOf(tables.keySet());
    }

    /** Replaces the table's content with a snapshot stream, keeping the stream's applied index. */
    public Table installSnapshot(long tableId, Iterator<TableSnapshotChunk> chunks) {
        return installSnapshot(tableId, chunks, -1);
    }

    /**
     * Replaces the table's content with {@code chunks} (from {@link Table#snapshot()}) atomically:
     * the data is written into a new column family and switched to in one synced write, so on any
     * failure — a bad checksum, a truncated stream, a crash — the table keeps its old content.
     * {@code asIndex >= 0} records that local Raft index as applied instead of the stream's (a
     * follower cluster installs a leader cluster's snapshot at its own log position).
     */
    public synchronized Table installSnapshot(long tableId, Iterator<TableSnapshotChunk> chunks, long asIndex) {
        Table table = table(tableId);
        long generation = generations.get(tableId) + 1;
        ColumnFamilyHandle staging;
        try {
            staging = db.createColumnFamily(new ColumnFamilyDescriptor(cfName(tableId, generation), cfOptions));
        } catch (RocksDBException e) {
            throw new StorageException("table " + tableId + ": cannot create a staging column family", e);
        }
        Table.Markers stored;
        try {
            Table.Markers written = load(staging, chunks, asIndex);
            try (var flush = new org.rocksdb.FlushOptions().setWaitForFlush(true)) {
                db.flush(flush, staging); // the staged data skipped the WAL: make it durable before the switch
            }
            // the table takes its markers as a reopen would read them, so memory and RocksDB never disagree;
            // read before the switch is committed, so a failure here still leaves the old table in place
            stored = Table.Markers.read(tableId, db, staging);
            if (!stored.equals(written)) {
                throw new IllegalStateException(
                        "table " + tableId + ": staged markers read back as " + stored + ", written as " + written);
            }
            db.put(
                    defaultCf,
                    syncWrite,
                    pointerKey(tableId),
                    ByteBuffer.allocate(8).putLong(generation).array());
        } catch (RuntimeException | RocksDBException | IOException e) {
            try {
                db.dropColumnFamily(staging);
            } catch (RocksDBException suppressed) {
                e.addSuppressed(suppressed);
            }
            staging.close();
            if (e instanceof InvalidSnapshotException ise) {
                throw ise;
            }
            throw new StorageException("table " + tableId + ": snapshot install failed: " + e.getMessage(), e);
        }
        // committed: the pointer names the staged column family, which must not be dropped from here on
        generations.put(tableId, generation);
        ColumnFamilyHandle old = table.replaceColumnFamily(staging, stored);
        try {
            db.dropColumnFamily(old);
        } catch (RocksDBException e) {
            // harmless: without a pointer the next open drops it
            log.warn("table {}: the replaced column family stays until the next open: {}", tableId, e.getMessage());
        }
        old.close();
        return table;
    }

    /**
     * Writes the stream's records and its markers into {@code cf} (without the WAL: the caller flushes);
     * returns the markers written. A follower-cluster table's leader-cluster index and unfinished load come with the
     * stream, so the installed table resumes that load rather than serving its partial content.
     */
    private Table.Markers load(ColumnFamilyHandle cf, Iterator<TableSnapshotChunk> chunks, long asIndex)
            throws IOException, RocksDBException {
        SnapshotReader in = new SnapshotReader(chunks);
        Table.Markers markers = new Table.Markers(
                new Table.AppliedMarker(asIndex >= 0 ? asIndex : in.index(), in.revision()),
                in.leaderClusterIndex(),
                in.resetting(),
                in.retired());
        WriteBatch batch = new WriteBatch();
        try (WriteOptions noWal = new WriteOptions().setDisableWAL(true)) {
            while (in.hasNext()) {
                SnapshotReader.Item item = in.next();
                batch.put(cf, TableView.dataKey(item.key()), item.record());
                if (batch.getDataSize() > 4 << 20) {
                    db.write(noWal, batch); // durable by the flush before the switch
                    batch.close();
                    batch = new WriteBatch();
                }
            }
            batch.put(cf, Table.APPLIED_KEY, markers.applied().encode());
            if (markers.leaderClusterIndex() > 0) { // absent reads as 0, as on a table that never replicated
                batch.put(
                        cf,
                        Table.LEADER_CLUSTER_INDEX_KEY,
                        ByteBuffer.allocate(8)
                                .putLong(markers.leaderClusterIndex())
                                .array());
            }
            if (markers.resetting()) {
                batch.put(cf, Table.RESET_KEY, new byte[0]);
            }
            if (markers.retired()) {
                batch.put(cf, Table.RETIRED_KEY, new byte[0]);
            }
            db.write(noWal, batch);
        } finally {
            batch.close();
        }
        return markers;
    }

    /** A snapshot stream that is corrupt or incomplete. */
    public static final class InvalidSnapshotException extends RuntimeException {
        public InvalidSnapshotException(String message) {
            super(message, null, false, false);
        }
    }

    /** Bytes in the memtables of every table now, mutable and being flushed (bounded by {@link StoreOptions#memtableBytesPerNode()}). */
    public synchronized long memtableBytes() {
        try {
            long sum = db.getLongProperty(defaultCf, "rocksdb.cur-size-all-mem-tables");
            for (Table t : tables.values()) {
                sum += db.getLongProperty(t.columnFamily(), "rocksdb.cur-size-all-mem-tables");
            }
            return sum;
        } catch (RocksDBException e) {
            throw new StorageException("cannot read the memtables' size", e);
        }
    }

    /** Bytes of the WAL files the store keeps now (bounded through {@link #MAX_TOTAL_WAL_BYTES_PER_MEMTABLE_BYTE}). */
    public long walBytes() {
        try {
            return db.getSortedWalFiles().stream()
                    .mapToLong(org.rocksdb.LogFile::sizeFileBytes)
                    .sum();
        } catch (RocksDBException e) {
            throw new StorageException("cannot list the WAL files", e);
        }
    }

    /**
     * Makes every apply so far durable: syncs the WAL that all tables share (applies are written
     * without a sync, see {@link StoreOptions#syncApply()}). Called before the Raft log forgets
     * entries the tables' state must then stand for.
     */
    public void syncWal() {
        try {
            db.syncWal();
        } catch (RocksDBException e) {
            throw new StorageException("the table store's WAL could not be synced", e);
        }
    }

    @Override
    public void close() {
        for (Table t : tables.values()) {
            t.columnFamily().close();
        }
        tables.clear();
        defaultCf.close();
        applyWrite.close();
        syncWrite.close();
        db.close();
        dbOptions.close();
        cfOptions.close();
        memtables.close();
        blockCache.close();
    }
}
