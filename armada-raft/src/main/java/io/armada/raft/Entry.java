package io.armada.raft;

import java.util.Arrays;
import java.util.Objects;

/**
 * One log entry. The data array is never copied and must not be mutated once proposed.
 *
 * @param term term of the leader that created the entry (never 0)
 * @param index position in the log (from 1)
 */
public record Entry(long term, long index, EntryType type, byte[] data) {
    /** Bytes counted per entry on top of its data, so empty entries still cost something in limits. */
    public static final int OVERHEAD_BYTES = 24;

    private static final byte[] EMPTY = new byte[0];

    public Entry {
        Objects.requireNonNull(type, "type");
        if (term < 1 || index < 1) {
            throw new IllegalArgumentException(
                    "entry needs term >= 1 and index >= 1: term=" + term + " index=" + index);
        }
        data = data == null ? EMPTY : data;
    }

    /** Size counted against message, inflight and uncommitted limits. */
    public long sizeBytes() {
        return (long) data.length + OVERHEAD_BYTES;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Entry e
                && term == e.term
                && index == e.index
                && type == e.type
                && Arrays.equals(data, e.data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(term, index, type, Arrays.hashCode(data));
    }

    @Override
    public String toString() {
        return "Entry[" + term + "/" + index + " " + type + " " + data.length + "B]";
    }
}
