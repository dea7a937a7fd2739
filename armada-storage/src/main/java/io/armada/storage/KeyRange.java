package io.armada.storage;

import java.util.Arrays;

/**
 * A key range with etcd's conventions: an empty {@code rangeEnd} means the single key {@code key};
 * {@code rangeEnd = "\0"} means every key from {@code key} on; otherwise {@code [key, rangeEnd)}.
 * (A prefix range is {@code [p, p+1)}, where the last byte of p is incremented.)
 *
 * @param end exclusive end, or null for "to the end of the table"
 */
record KeyRange(byte[] start, byte[] end) {

    static KeyRange of(byte[] key, byte[] rangeEnd) {
        if (rangeEnd.length == 0) {
            byte[] next = Arrays.copyOf(key, key.length + 1); // key + "\0": the smallest key after key
            return new KeyRange(key, next);
        }
        if (rangeEnd.length == 1 && rangeEnd[0] == 0) {
            return new KeyRange(key, null);
        }
        return new KeyRange(key, rangeEnd);
    }

    boolean contains(byte[] key) {
        return Arrays.compareUnsigned(key, start) >= 0 && (end == null || Arrays.compareUnsigned(key, end) < 0);
    }
}
