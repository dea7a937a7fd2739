package io.armada.storage;

import com.google.protobuf.UnsafeByteOperations;
import io.armada.api.v1.TableSnapshotChunk;
import io.armada.proto.Limits;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.zip.CRC32C;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;

/**
 * A consistent copy of one table, read from a RocksDB snapshot and cut into chunks of at most
 * {@link Limits#MAX_SNAPSHOT_CHUNK_BYTES}. The byte stream is a header, then
 * {@code [keyLength:4][key][recordLength:4][record]} per key; the last chunk carries the CRC32C of
 * the whole stream. Must be closed (it pins a RocksDB snapshot). The header is one of:
 * <ul>
 *   <li>{@code [index:8][revision:8]} (index never negative) for a table without follower-cluster markers —
 *       every leader cluster's table, so a follower cluster or node of an older version still reads
 *       its snapshots;
 *   <li>{@code [FOLLOWER_CLUSTER_HEADER:8][index:8][revision:8][flags:8][leaderClusterIndex:8]} for a follower
 *       cluster's table that has replicated: {@code flags} bit 0 ({@link #FLAG_RESETTING}) is set while
 *       a leader-cluster snapshot load is unfinished, {@code leaderClusterIndex} is the last leader-cluster index applied. Its
 *       marks travel with the Raft snapshot, so a node installing one taken mid-load neither serves the
 *       partial table nor resumes replication after it, and keeps the exact leader-cluster index. An older
 *       reader takes the negative first long for an index and the index for the revision, then reads
 *       the revision's high half (0 below 2^32) as a key length and rejects the stream rather than
 *       misreading it. A retired table (of any cluster) also has this header, with flag bit 1
 *       ({@link #FLAG_RETIRED}).
 * </ul>
 * {@link SnapshotReader} reads both.
 */
public final class TableSnapshot implements Iterator<TableSnapshotChunk>, AutoCloseable {
    /**
     * First long of a follower-cluster table's header, negative so it cannot be an index (the plain
     * header starts with the index): then index, revision, flags and the leader-cluster index follow. The low
     * bytes spell "ARMDA1"; a later header layout takes another value.
     */
    static final long FOLLOWER_CLUSTER_HEADER = 0x8000_4152_4d44_4131L; // high bit set
    /** Follower header flag: the table was loading a leader-cluster snapshot (its {@code RESET_KEY} was present). */
    static final long FLAG_RESETTING = 1;
    /** Marked header flag: the table was retired (its {@code RETIRED_KEY} was present), on any cluster. */
    static final long FLAG_RETIRED = 2;

    private final RocksDB db;
    private final Snapshot snapshot;
    private final ReadOptions readOptions;
    private final RocksIterator it;
    private final Table.AppliedMarker applied;
    private final CRC32C crc = new CRC32C();
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private final DataOutputStream out = new DataOutputStream(pending);
    private final int maxChunkBytes;
    private boolean done;

    TableSnapshot(RocksDB db, ColumnFamilyHandle cf) {
        this(db, cf, Limits.MAX_SNAPSHOT_CHUNK_BYTES);
    }

    TableSnapshot(RocksDB db, ColumnFamilyHandle cf, int maxChunkBytes) {
        this.db = db;
        this.maxChunkBytes = maxChunkBytes;
        this.snapshot = db.getSnapshot();
        this.readOptions = new ReadOptions().setSnapshot(snapshot);
        this.it = db.newIterator(cf, readOptions);
        it.seek(Table.APPLIED_KEY);
        this.applied = it.isValid() && it.key().length == 1 && it.key()[0] == 0
                ? Table.AppliedMarker.decode(it.value())
                : Table.AppliedMarker.NONE;
        it.seek(new byte[] {TableView.DATA_PREFIX});
        try {
            byte[] source = db.get(cf, readOptions, Table.LEADER_CLUSTER_INDEX_KEY);
            boolean resetting = db.get(cf, readOptions, Table.RESET_KEY) != null;
            boolean retired = db.get(cf, readOptions, Table.RETIRED_KEY) != null;
            if (source != null || resetting || retired) {
                // a follower cluster's table: its replication position and load state travel with it, so a
                // node installing this snapshot resumes the leader-cluster snapshot load instead of serving a part;
                // a retired table's mark too, so a member catching up from it cannot take writes again
                out.writeLong(FOLLOWER_CLUSTER_HEADER);
                out.writeLong(applied.index());
                out.writeLong(applied.revision());
                out.writeLong((resetting ? FLAG_RESETTING : 0) | (retired ? FLAG_RETIRED : 0));
                out.writeLong(
                        source == null ? 0 : java.nio.ByteBuffer.wrap(source).getLong());
            } else { // nothing to carry: the plain header, which readers of every version understand
                out.writeLong(applied.index());
                out.writeLong(applied.revision());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (org.rocksdb.RocksDBException e) {
            close();
            throw new StorageException("cannot read the follower-cluster markers of a table snapshot", e);
        }
    }

    /** Local Raft index the snapshot contains everything up to. */
    public long index() {
        return applied.index();
    }

    /** Revision of the table the snapshot represents. */
    public long revision() {
        return applied.revision();
    }

    @Override
    public boolean hasNext() {
        return !done;
    }

    @Override
    public TableSnapshotChunk next() {
        if (done) {
            throw new NoSuchElementException();
        }
        try {
            while (pending.size() < maxChunkBytes && it.isValid() && it.key()[0] == TableView.DATA_PREFIX) {
                byte[] key = it.key();
                byte[] record = it.value();
                out.writeInt(key.length - 1);
                out.write(key, 1, key.length - 1);
                out.writeInt(record.length);
                out.write(record);
                it.next();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] buffered = pending.toByteArray();
        int take = Math.min(buffered.length, maxChunkBytes);
        byte[] data = java.util.Arrays.copyOf(buffered, take);
        pending.reset();
        pending.write(buffered, take, buffered.length - take);
        crc.update(data);
        boolean last = pending.size() == 0 && !(it.isValid() && it.key()[0] == TableView.DATA_PREFIX);
        TableSnapshotChunk.Builder chunk = TableSnapshotChunk.newBuilder()
                .setRevision(applied.revision())
                .setData(UnsafeByteOperations.unsafeWrap(data))
                .setLast(last);
        if (last) {
            chunk.setChecksum((int) crc.getValue());
            done = true;
        }
        return chunk.build();
    }

    @Override
    public void close() {
        it.close();
        readOptions.close();
        db.releaseSnapshot(snapshot);
    }
}
