package io.armada.storage;

import io.armada.api.v1.KeyValue;
import io.armada.api.v1.RangeRequest;
import io.armada.api.v1.RangeResponse;
import io.armada.api.v1.ResponseHeader;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.Snapshot;

/**
 * Chunks of a range read from one RocksDB snapshot (IterateRange). Holds the snapshot until closed,
 * so the caller must close it, also when the client goes away.
 */
public final class RangeCursor implements Iterator<RangeResponse>, AutoCloseable {
    private final RocksDB db;
    private final Snapshot snapshot;
    private final ReadOptions readOptions;
    private final TableView.Scan scan;
    private final RangeRequest request;
    private final int maxChunkBytes;
    private final long revision;
    private final long limit;
    private long returned;
    private TableView.KeyRecord carried;
    private boolean finished;
    private boolean closed;

    RangeCursor(Table table, RocksDB db, ColumnFamilyHandle cf, RangeRequest request, int maxChunkBytes) {
        if (maxChunkBytes < 1) {
            throw new IllegalArgumentException("maxChunkBytes: " + maxChunkBytes + " must be positive");
        }
        this.db = db;
        this.snapshot = db.getSnapshot();
        this.readOptions = new ReadOptions().setSnapshot(snapshot);
        this.request = request;
        this.maxChunkBytes = maxChunkBytes;
        this.limit = request.getLimit() == 0 ? Long.MAX_VALUE : request.getLimit();
        try {
            this.revision = Table.AppliedMarker.decode(db.get(cf, readOptions, Table.APPLIED_KEY))
                    .revision();
        } catch (RocksDBException e) {
            close();
            throw new StorageException("table " + table.id() + ": cannot start a range cursor", e);
        }
        this.scan = new TableView(db, cf, readOptions)
                .scan(KeyRange.of(
                        request.getKey().toByteArray(), request.getRangeEnd().toByteArray()));
    }

    /** Revision every chunk of this cursor sees. */
    public long revision() {
        return revision;
    }

    @Override
    public boolean hasNext() {
        return !finished;
    }

    @Override
    public RangeResponse next() {
        if (finished) {
            throw new NoSuchElementException();
        }
        RangeResponse.Builder chunk =
                RangeResponse.newBuilder().setHeader(ResponseHeader.newBuilder().setRevision(revision));
        long bytes = 0;
        while (returned < limit) {
            TableView.KeyRecord kr = carried != null ? carried : nextMatch();
            carried = null;
            if (kr == null) {
                finished = true;
                break;
            }
            KeyValue kv = Table.keyValue(kr.key(), kr.record(), request.getKeysOnly());
            if (chunk.getKvsCount() > 0 && bytes + kv.getSerializedSize() > maxChunkBytes) {
                carried = kr;
                break;
            }
            chunk.addKvs(kv);
            bytes += kv.getSerializedSize();
            returned++;
        }
        if (returned >= limit && carried == null) {
            finished = true;
        }
        return chunk.setMore(!finished).build();
    }

    private TableView.KeyRecord nextMatch() {
        while (scan.hasNext()) {
            TableView.KeyRecord kr = scan.next();
            VersionedValue r = kr.record();
            if ((request.getMinModRevision() == 0 || r.modRevision() >= request.getMinModRevision())
                    && (request.getMaxModRevision() == 0 || r.modRevision() <= request.getMaxModRevision())
                    && (request.getMinCreateRevision() == 0 || r.createRevision() >= request.getMinCreateRevision())
                    && (request.getMaxCreateRevision() == 0 || r.createRevision() <= request.getMaxCreateRevision())) {
                return kr;
            }
        }
        return null;
    }

    @Override
    public void close() {
        if (closed) {
            return; // releasing a RocksDB snapshot twice is undefined behaviour in native code
        }
        closed = true;
        if (scan != null) {
            scan.close();
        }
        readOptions.close();
        db.releaseSnapshot(snapshot);
    }
}
