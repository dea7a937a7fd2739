package io.armada.raft.log;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.rocksdb.CompressionType;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The Raft log of every group of one node, in one dedicated RocksDB instance, so that one synced
 * write carries the entries and hard states of many groups (group commit across groups).
 *
 * <p>Keys are {@code [kind:1][groupId:8][index:8]} big-endian, so a group's entries are contiguous
 * and ordered by index. Values of entries are {@code [term:8][payload]}: the term is readable
 * without decoding the payload. Per group the store also keeps the hard state and the metadata of
 * the latest snapshot (opaque bytes owned by the engine). RocksDB's WAL gives torn-write safety:
 * a batch is durable whole or not at all.
 *
 * <p>In memory the store keeps each group's bounds and the terms of its entries ({@link TermRuns}),
 * because the Raft core asks for terms on its hot path and a RocksDB read for each was a visible
 * share of CPU under load.
 *
 * <p>Writers are the engine's worker threads; a group is written by one thread at a time, but
 * different groups' batches may commit concurrently. Readers may run on any thread.
 */
public final class LogStore implements AutoCloseable {
    static final byte ENTRY = 1;
    static final byte HARD_STATE = 2;
    static final byte SNAPSHOT_META = 3;
    private static final int TERM_BYTES = Long.BYTES;

    private final RocksDB db;
    private final Options options;
    private final WriteOptions syncWrite;
    private final WriteOptions noSyncWrite;
    private final FatalErrorHandler fatal;
    private final FsyncDelay fsyncDelay;
    /**
     * First and last index and the terms of each group's stored entries; derived from the stored
     * entries at open and replaced whole after each write, so readers see one consistent value.
     */
    private final Map<Long, Bounds> bounds = new ConcurrentHashMap<>();

    private volatile boolean failed;

    static {
        RocksDB.loadLibrary();
    }

    private LogStore(RocksDB db, Options options, FatalErrorHandler fatal, FsyncDelay fsyncDelay) {
        this.db = db;
        this.options = options;
        this.fatal = fatal;
        this.fsyncDelay = fsyncDelay;
        this.syncWrite = new WriteOptions().setSync(true);
        this.noSyncWrite = new WriteOptions().setSync(false);
    }

    /**
     * Opens (or creates) the log store in {@code dir}. {@code fatal} is called once when a write
     * or sync fails: the node must stop, because Raft's promises rest on what was acknowledged
     * being on disk.
     */
    /**
     * Creates {@code dir} and fsyncs the parent of every directory created: RocksDB syncs the files of
     * its directory and the directory itself, never its parent, so a new node's log could otherwise
     * vanish whole at a power cut (the table store's {@code DurableDirectories} does the same; this
     * module does not depend on the storage module).
     */
    private static void createDurably(Path dir) throws java.io.IOException {
        Path absolute = dir.toAbsolutePath();
        java.util.Deque<Path> missing = new java.util.ArrayDeque<>();
        for (Path p = absolute; p != null && !Files.isDirectory(p); p = p.getParent()) {
            missing.push(p);
        }
        Files.createDirectories(absolute);
        for (Path created : missing) {
            try (java.nio.channels.FileChannel ch =
                    java.nio.channels.FileChannel.open(created.getParent(), java.nio.file.StandardOpenOption.READ)) {
                ch.force(true);
            }
        }
    }

    public static LogStore open(Path dir, LogStoreOptions storeOptions, FatalErrorHandler fatal) {
        return open(dir, storeOptions, fatal, new FsyncDelay());
    }

    static LogStore open(Path dir, LogStoreOptions storeOptions, FatalErrorHandler fatal, FsyncDelay fsyncDelay) {
        try {
            createDurably(dir);
            Options options = new Options()
                    .setCreateIfMissing(true)
                    .setCompressionType(CompressionType.LZ4_COMPRESSION)
                    .setWriteBufferSize(storeOptions.writeBufferBytes())
                    .setMaxWriteBufferNumber(4)
                    .setMaxBackgroundJobs(2)
                    .setParanoidChecks(true);
            LogStore store = new LogStore(RocksDB.open(options, dir.toString()), options, fatal, fsyncDelay);
            store.loadBounds();
            return store;
        } catch (RocksDBException | java.io.IOException e) {
            throw new LogStoreException("cannot open the log store in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** A new, empty batch of writes; commit it with {@link #write(Batch, boolean)}. */
    public Batch batch() {
        return new Batch();
    }

    /**
     * Writes the batch atomically; with {@code sync} the call returns only after the data is on
     * stable storage. A failure is fatal: the handler is told and the store refuses further writes.
     */
    public void write(Batch batch, boolean sync) {
        checkNotFailed();
        if (batch.isEmpty()) {
            return;
        }
        try {
            db.write(sync ? syncWrite : noSyncWrite, batch.writes);
        } catch (RocksDBException e) {
            failed = true;
            fatal.onFatalError(new LogStoreException("log store write failed (sync=" + sync + ")", e));
            throw new LogStoreException("log store write failed; the node must stop", e);
        } finally {
            batch.close();
        }
        if (sync) {
            fsyncDelay.afterSync();
        }
        batch.boundsAfter.forEach((group, b) -> {
            if (b.isEmpty()) {
                bounds.remove(group);
            } else {
                bounds.put(group, b);
            }
        });
    }

    /** The failpoint that makes synced writes slow (off unless set). */
    public FsyncDelay fsyncDelay() {
        return fsyncDelay;
    }

    /** Groups that have anything stored (entries, hard state or snapshot). */
    public Set<Long> groups() {
        Set<Long> groups = new HashSet<>(bounds.keySet());
        try (RocksIterator it = db.newIterator()) {
            for (byte kind : new byte[] {HARD_STATE, SNAPSHOT_META}) {
                for (it.seek(new byte[] {kind}); it.isValid() && it.key()[0] == kind; it.next()) {
                    groups.add(ByteBuffer.wrap(it.key()).getLong(1));
                }
            }
        }
        return groups;
    }

    /** Index of the first stored entry of the group, or 0 when it has none. */
    public long firstIndex(long groupId) {
        Bounds b = bounds.get(groupId);
        return b == null ? 0 : b.first();
    }

    /** Index of the last stored entry of the group, or 0 when it has none. */
    public long lastIndex(long groupId) {
        Bounds b = bounds.get(groupId);
        return b == null ? 0 : b.last();
    }

    /** Term of the entry at {@code index}, or -1 when it is not stored. */
    public long term(long groupId, long index) {
        Bounds b = bounds.get(groupId);
        return b == null || index < b.first() || index > b.last()
                ? -1
                : b.terms().termAt(index);
    }

    /** Term of a stored entry as read from RocksDB: only at open, where the runs are rebuilt. */
    private long storedTerm(long groupId, long index) {
        try {
            byte[] value = db.get(key(ENTRY, groupId, index));
            if (value == null) {
                throw new IllegalStateException("group " + groupId + ": log hole at index " + index);
            }
            return ByteBuffer.wrap(value).getLong(0);
        } catch (RocksDBException e) {
            throw new LogStoreException("read of group " + groupId + " index " + index + " failed", e);
        }
    }

    /**
     * Entries {@code [lo, hi)} of a group, stopping early once {@code maxBytes} of payload are
     * collected (at least one entry is returned when {@code lo} is stored). Fails when an index in
     * the range is missing: a hole in the log is a broken invariant, not an empty answer.
     */
    public List<StoredEntry> entries(long groupId, long lo, long hi, long maxBytes) {
        List<StoredEntry> out = new ArrayList<>();
        long bytes = 0;
        try (Slice upper = new Slice(key(ENTRY, groupId, hi));
                ReadOptions ro = new ReadOptions().setIterateUpperBound(upper);
                RocksIterator it = db.newIterator(ro)) {
            long expected = lo;
            for (it.seek(key(ENTRY, groupId, lo)); it.isValid(); it.next()) {
                long index = ByteBuffer.wrap(it.key()).getLong(9);
                if (index != expected) {
                    throw new IllegalStateException(
                            "group " + groupId + ": log hole, expected index " + expected + " found " + index);
                }
                byte[] value = it.value();
                if (!out.isEmpty() && bytes + value.length - TERM_BYTES > maxBytes) {
                    break;
                }
                ByteBuffer v = ByteBuffer.wrap(value);
                byte[] payload = new byte[value.length - TERM_BYTES];
                v.position(TERM_BYTES).get(payload);
                out.add(new StoredEntry(index, v.getLong(0), payload));
                bytes += payload.length;
                expected++;
            }
        }
        return out;
    }

    /** The group's hard state as last written, or null. */
    public byte[] hardState(long groupId) {
        return get(key(HARD_STATE, groupId));
    }

    /** The group's latest snapshot metadata as last written, or null. */
    public byte[] snapshotMeta(long groupId) {
        return get(key(SNAPSHOT_META, groupId));
    }

    private byte[] get(byte[] key) {
        try {
            return db.get(key);
        } catch (RocksDBException e) {
            throw new LogStoreException("log store read failed", e);
        }
    }

    private void loadBounds() {
        try (RocksIterator it = db.newIterator()) {
            it.seek(new byte[] {ENTRY});
            while (it.isValid() && it.key()[0] == ENTRY) {
                long group = ByteBuffer.wrap(it.key()).getLong(1);
                long first = ByteBuffer.wrap(it.key()).getLong(9);
                it.seekForPrev(key(ENTRY, group, Long.MAX_VALUE));
                long last = ByteBuffer.wrap(it.key()).getLong(9);
                bounds.put(group, new Bounds(first, last, loadTerms(group, first, last)));
                it.seek(key(ENTRY, group + 1, 0));
            }
        }
    }

    /**
     * The term runs of entries {@code [first, last]}. Terms never decrease along a log, so the end
     * of each run is found by binary search: O(log n) reads per run instead of reading every entry.
     */
    private TermRuns loadTerms(long groupId, long first, long last) {
        TermRuns runs = TermRuns.NONE;
        for (long start = first; start <= last; ) {
            long term = storedTerm(groupId, start);
            long lo = start; // the last index known to have this term
            long hi = last;
            while (lo < hi) {
                long mid = lo + (hi - lo + 1) / 2;
                if (storedTerm(groupId, mid) == term) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            runs = runs.append(start, term); // refuses a term below the previous run's
            start = lo + 1;
        }
        return runs;
    }

    private void checkNotFailed() {
        if (failed) {
            throw new LogStoreException("the log store failed earlier; the node must stop", null);
        }
    }

    static byte[] key(byte kind, long groupId, long index) {
        return ByteBuffer.allocate(17).put(kind).putLong(groupId).putLong(index).array();
    }

    static byte[] key(byte kind, long groupId) {
        return ByteBuffer.allocate(9).put(kind).putLong(groupId).array();
    }

    /** Flushes memtables; used before a clean shutdown so reopening does not replay the WAL. */
    public void flush() {
        try (var fo = new org.rocksdb.FlushOptions().setWaitForFlush(true)) {
            db.flush(fo);
        } catch (RocksDBException e) {
            throw new LogStoreException("flush failed", e);
        }
    }

    @Override
    public void close() {
        syncWrite.close();
        noSyncWrite.close();
        db.close();
        options.close();
    }

    /** First and last stored index of a group and the terms of its entries; (0, 0) means none. */
    private record Bounds(long first, long last, TermRuns terms) {
        static final Bounds EMPTY = new Bounds(0, 0, TermRuns.NONE);

        /** The runs must start at first and none after last: a term lookup relies on it, and it is cheap. */
        Bounds {
            boolean covered = (first == 0 && last == 0)
                    ? terms.isEmpty()
                    : terms.firstStart() == first && terms.lastStart() <= last;
            if (!covered) {
                throw new IllegalStateException("term runs " + terms + " do not cover [" + first + ", " + last + "]");
            }
        }

        boolean isEmpty() {
            return first == 0 && last == 0;
        }
    }

    /**
     * Writes to apply atomically. Appending an index at or below a group's last index replaces
     * that suffix (a Raft log conflict); compaction drops a prefix after a snapshot. Indexes must be
     * contiguous: the batch checks it, because a hole would corrupt the log.
     */
    public final class Batch implements AutoCloseable {
        private final WriteBatch writes = new WriteBatch();
        private final Map<Long, Bounds> boundsAfter = new java.util.HashMap<>();

        private Batch() {}

        private Bounds current(long groupId) {
            return boundsAfter.computeIfAbsent(groupId, g -> bounds.getOrDefault(g, Bounds.EMPTY));
        }

        /** Appends (or overwrites from {@code index} on) one entry. */
        public Batch append(long groupId, long index, long term, byte[] payload) {
            if (index <= 0 || term <= 0) {
                throw new IllegalArgumentException("index and term must be positive: " + index + ", " + term);
            }
            Bounds b = current(groupId);
            boolean conflict = !b.isEmpty() && index <= b.last();
            if (conflict && index < b.first()) {
                throw new IllegalStateException(
                        "group " + groupId + ": append at " + index + " below the first stored index " + b.first());
            } else if (!b.isEmpty() && !conflict && index != b.last() + 1) {
                throw new IllegalStateException(
                        "group " + groupId + ": append at " + index + " leaves a hole after " + b.last());
            }
            TermRuns terms = b.terms().append(index, term); // before any write: it refuses a decreasing term
            try {
                if (conflict) {
                    // A conflicting suffix: drop everything from index on before writing.
                    writes.deleteRange(key(ENTRY, groupId, index), key(ENTRY, groupId, Long.MAX_VALUE));
                }
                byte[] value = ByteBuffer.allocate(TERM_BYTES + payload.length)
                        .putLong(term)
                        .put(payload)
                        .array();
                writes.put(key(ENTRY, groupId, index), value);
            } catch (RocksDBException e) {
                throw new LogStoreException("batch append failed", e);
            }
            boundsAfter.put(groupId, new Bounds(b.isEmpty() ? index : b.first(), index, terms));
            return this;
        }

        /** Records the group's hard state (term, vote, commit; encoded by the engine). */
        public Batch hardState(long groupId, byte[] state) {
            put(key(HARD_STATE, groupId), state);
            return this;
        }

        /** Records the metadata of the group's latest snapshot (encoded by the engine). */
        public Batch snapshotMeta(long groupId, byte[] meta) {
            put(key(SNAPSHOT_META, groupId), meta);
            return this;
        }

        /**
         * Drops every entry with index ≤ {@code throughIndex}: they are covered by a snapshot.
         * With {@code throughIndex} at or past the last entry the group keeps no entries.
         */
        public Batch compact(long groupId, long throughIndex) {
            Bounds b = current(groupId);
            if (b.isEmpty() || throughIndex < b.first()) {
                return this;
            }
            try {
                writes.deleteRange(key(ENTRY, groupId, 0), key(ENTRY, groupId, throughIndex + 1));
            } catch (RocksDBException e) {
                throw new LogStoreException("batch compact failed", e);
            }
            boundsAfter.put(
                    groupId,
                    throughIndex >= b.last()
                            ? Bounds.EMPTY
                            : new Bounds(throughIndex + 1, b.last(), b.terms().compactThrough(throughIndex)));
            return this;
        }

        /** Removes everything of the group: entries, hard state, snapshot metadata. */
        public Batch removeGroup(long groupId) {
            try {
                writes.deleteRange(key(ENTRY, groupId, 0), key(ENTRY, groupId, Long.MAX_VALUE));
                writes.delete(key(HARD_STATE, groupId));
                writes.delete(key(SNAPSHOT_META, groupId));
            } catch (RocksDBException e) {
                throw new LogStoreException("batch remove failed", e);
            }
            boundsAfter.put(groupId, Bounds.EMPTY);
            return this;
        }

        private void put(byte[] key, byte[] value) {
            try {
                writes.put(key, value);
            } catch (RocksDBException e) {
                throw new LogStoreException("batch put failed", e);
            }
        }

        public boolean isEmpty() {
            return writes.count() == 0;
        }

        /** Bytes of the batch's serialized form; the engine bounds a round by it. */
        public long sizeBytes() {
            return writes.getDataSize();
        }

        @Override
        public void close() {
            writes.close();
        }
    }
}
