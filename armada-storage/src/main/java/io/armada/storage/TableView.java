package io.armada.storage;

import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.TreeMap;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * The state a command sees while it is applied: the table as last written, overlaid with the
 * writes of the run of commands being applied so far (a Txn's later ops see its earlier ones, as in
 * etcd, and a command sees the commands before it in the run). Reads
 * outside a write use a plain {@link TableView} without overlay on a RocksDB snapshot.
 */
final class TableView {
    static final byte DATA_PREFIX = 1;

    private final RocksDB db;
    private final ColumnFamilyHandle cf;
    private final ReadOptions readOptions;
    /** Pending writes of the run: a record, or null for a delete. */
    private final NavigableMap<byte[], VersionedValue> overlay = new TreeMap<>(Arrays::compareUnsigned);

    /**
     * How to undo the current command's writes to {@link #overlay}: each key's overlay entry before the
     * command first wrote it ({@link #ABSENT} if it had none). A command that fails part-way must leave
     * no trace, as if it had never run, while the run's earlier commands stay.
     */
    private final Map<byte[], VersionedValue> undo = new TreeMap<>(Arrays::compareUnsigned);

    private static final VersionedValue ABSENT = new VersionedValue(1, 1, 1, new byte[0]); // compared by identity only

    /** Whether the table is retired: as stored when the run began, or by a retire earlier in the run. */
    private boolean retired;

    /** The apply path's memory of current records (null for a read on a snapshot, which must not use it). */
    private final RecentRecords.Scope recent;

    TableView(RocksDB db, ColumnFamilyHandle cf, ReadOptions readOptions) {
        this(db, cf, readOptions, null);
    }

    /** A view for applying: reads the latest state (no snapshot), answering point reads from {@code recent} when it can. */
    TableView(RocksDB db, ColumnFamilyHandle cf, ReadOptions readOptions, RecentRecords.Scope recent) {
        this.db = db;
        this.cf = cf;
        this.readOptions = readOptions;
        this.recent = recent;
    }

    /** Applying: the table was retired before this run began. */
    TableView retiredAlready(boolean stored) {
        this.retired = stored;
        return this;
    }

    boolean retired() {
        return retired;
    }

    /** A retire command in the run: every later command of it fails. */
    void retire() {
        retired = true;
    }

    static byte[] dataKey(byte[] userKey) {
        byte[] k = new byte[userKey.length + 1];
        k[0] = DATA_PREFIX;
        System.arraycopy(userKey, 0, k, 1, userKey.length);
        return k;
    }

    VersionedValue get(byte[] key) {
        if (overlay.containsKey(key)) {
            return overlay.get(key);
        }
        if (recent != null) {
            Optional<VersionedValue> known = recent.get(key);
            if (known != null) {
                return known.orElse(null);
            }
        }
        try {
            byte[] bytes = db.get(cf, readOptions, dataKey(key));
            VersionedValue record = bytes == null ? null : VersionedValue.decode(bytes);
            if (recent != null) {
                recent.put(key, record); // what is stored now: the apply thread is the only writer
            }
            return record;
        } catch (RocksDBException e) {
            throw new StorageException("read failed", e);
        }
    }

    /** The overlay's writes are committed to RocksDB: they are now the keys' current records. */
    void committed() {
        if (recent != null) {
            overlay.forEach(recent::put);
        }
    }

    void put(byte[] key, VersionedValue record) {
        remember(key);
        overlay.put(key, record);
    }

    void delete(byte[] key) {
        remember(key);
        overlay.put(key, null);
    }

    private void remember(byte[] key) {
        if (!undo.containsKey(key)) {
            undo.put(key, overlay.containsKey(key) ? overlay.get(key) : ABSENT);
        }
    }

    /** A command starts: {@link #discardCommand} would undo its writes only. */
    void beginCommand() {
        undo.clear();
    }

    /** Undoes every write since {@link #beginCommand}: the overlay is as the run's earlier commands left it. */
    void discardCommand() {
        undo.forEach((key, before) -> {
            if (before == ABSENT) {
                overlay.remove(key);
            } else {
                overlay.put(key, before);
            }
        });
        undo.clear();
    }

    NavigableMap<byte[], VersionedValue> writes() {
        return overlay;
    }

    /** One key and its record, in a scan. */
    record KeyRecord(byte[] key, VersionedValue record) {}

    /**
     * The live keys of {@code range} in key order, merging stored records with the overlay. The
     * iterator must be closed (it holds a RocksDB iterator).
     */
    Scan scan(KeyRange range) {
        return new Scan(range);
    }

    final class Scan implements Iterator<KeyRecord>, AutoCloseable {
        private final KeyRange range;
        private final RocksIterator it;
        private final Iterator<Map.Entry<byte[], VersionedValue>> pending;
        private Map.Entry<byte[], VersionedValue> nextPending;
        private KeyRecord next;

        private Scan(KeyRange range) {
            this.range = range;
            this.it = db.newIterator(cf, readOptions);
            it.seek(dataKey(range.start()));
            NavigableMap<byte[], VersionedValue> sub = range.end() == null
                    ? overlay.tailMap(range.start(), true)
                    : overlay.subMap(range.start(), true, range.end(), false);
            this.pending = sub.entrySet().iterator();
            this.nextPending = pending.hasNext() ? pending.next() : null;
            advance();
        }

        private byte[] storedKey() {
            if (!it.isValid()) {
                return null;
            }
            byte[] k = it.key();
            if (k.length == 0 || k[0] != DATA_PREFIX) {
                return null;
            }
            byte[] user = Arrays.copyOfRange(k, 1, k.length);
            return range.contains(user) ? user : null;
        }

        private void advance() {
            next = null;
            while (next == null) {
                byte[] stored = storedKey();
                if (stored == null && nextPending == null) {
                    return;
                }
                int cmp = stored == null
                        ? 1
                        : nextPending == null ? -1 : Arrays.compareUnsigned(stored, nextPending.getKey());
                if (cmp < 0) {
                    next = new KeyRecord(stored, VersionedValue.decode(it.value()));
                    it.next();
                } else {
                    if (cmp == 0) {
                        it.next(); // the overlay shadows the stored record
                    }
                    Map.Entry<byte[], VersionedValue> p = nextPending;
                    nextPending = pending.hasNext() ? pending.next() : null;
                    if (p.getValue() != null) {
                        next = new KeyRecord(p.getKey(), p.getValue());
                    }
                }
            }
        }

        @Override
        public boolean hasNext() {
            return next != null;
        }

        @Override
        public KeyRecord next() {
            if (next == null) {
                throw new NoSuchElementException();
            }
            KeyRecord r = next;
            advance();
            return r;
        }

        @Override
        public void close() {
            it.close();
        }
    }
}
