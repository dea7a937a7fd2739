package io.armada.server.node;

import io.armada.api.v1.SnapshotChunk;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A table snapshot file's chunks as {@link TableStateMachine#takeSnapshot} writes them, one
 * length-prefixed proto each. Its own file because these are the table store's chunks
 * ({@code armada.v1.SnapshotChunk}), which the state machine, dealing in the Raft core's
 * {@link io.armada.raft.SnapshotChunk}s, could only name fully qualified.
 */
final class SnapshotFileChunks implements Iterator<SnapshotChunk> {
    private final InputStream in;
    private SnapshotChunk next;

    SnapshotFileChunks(InputStream in) {
        this.in = in;
    }

    @Override
    public boolean hasNext() {
        if (next == null) {
            try {
                next = SnapshotChunk.parseDelimitedFrom(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return next != null;
    }

    @Override
    public SnapshotChunk next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        SnapshotChunk c = next;
        next = null;
        return c;
    }
}
