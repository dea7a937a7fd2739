package io.armada.server.node;

import io.armada.api.v1.TableSnapshotChunk;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A table snapshot file's chunks as {@link TableStateMachine#takeSnapshot} writes them, one
 * length-prefixed proto each: the table store's {@link TableSnapshotChunk}s, inside the
 * file that the Raft core moves as {@link io.armada.raft.SnapshotChunk}s.
 */
final class SnapshotFileChunks implements Iterator<TableSnapshotChunk> {
    private final InputStream in;
    private TableSnapshotChunk next;

    SnapshotFileChunks(InputStream in) {
        this.in = in;
    }

    @Override
    public boolean hasNext() {
        if (next == null) {
            try {
                next = TableSnapshotChunk.parseDelimitedFrom(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return next != null;
    }

    @Override
    public TableSnapshotChunk next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        TableSnapshotChunk c = next;
        next = null;
        return c;
    }
}
