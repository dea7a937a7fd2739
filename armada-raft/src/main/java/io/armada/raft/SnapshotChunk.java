package io.armada.raft;

import java.util.Arrays;
import java.util.Objects;

/**
 * A piece of a state-machine snapshot's bytes, {@code data} starting at byte {@code offset}.
 * {@code last} marks the final piece. In a snapshot response the chunk has no data and
 * {@code offset} is the next byte the receiver expects.
 */
public record SnapshotChunk(SnapshotMeta meta, long offset, byte[] data, boolean last) {
    private static final byte[] EMPTY = new byte[0];

    public SnapshotChunk {
        Objects.requireNonNull(meta, "meta");
        if (offset < 0) {
            throw new IllegalArgumentException("negative snapshot offset " + offset);
        }
        data = data == null ? EMPTY : data;
    }

    /** Offset just past this chunk's data. */
    public long end() {
        return offset + data.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SnapshotChunk c
                && meta.equals(c.meta)
                && offset == c.offset
                && last == c.last
                && Arrays.equals(data, c.data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(meta, offset, last, Arrays.hashCode(data));
    }

    @Override
    public String toString() {
        return "SnapshotChunk[" + meta.term() + "/" + meta.index() + " @" + offset + " " + data.length + "B"
                + (last ? " last" : "") + "]";
    }
}
