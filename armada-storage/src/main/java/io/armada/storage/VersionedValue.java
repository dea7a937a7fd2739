package io.armada.storage;

import java.nio.ByteBuffer;

/**
 * What a table stores for a key, with etcd's meanings: the revision that created the key (since
 * its last delete), the revision of its last write, and the number of writes since creation.
 * Encoded as {@code [createRevision:8][modRevision:8][version:8][value]}.
 */
record VersionedValue(long createRevision, long modRevision, long version, byte[] value) {
    static final int HEADER_BYTES = 3 * Long.BYTES;

    VersionedValue {
        if (createRevision <= 0 || modRevision < createRevision || version <= 0) {
            throw new StorageException(
                    "corrupt record: create=" + createRevision + " mod=" + modRevision + " version=" + version);
        }
    }

    byte[] encode() {
        return ByteBuffer.allocate(HEADER_BYTES + value.length)
                .putLong(createRevision)
                .putLong(modRevision)
                .putLong(version)
                .put(value)
                .array();
    }

    static VersionedValue decode(byte[] bytes) {
        if (bytes.length < HEADER_BYTES) {
            throw new StorageException("corrupt record of " + bytes.length + " bytes");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        long create = b.getLong();
        long mod = b.getLong();
        long version = b.getLong();
        byte[] value = new byte[bytes.length - HEADER_BYTES];
        b.get(value);
        return new VersionedValue(create, mod, version, value);
    }

    /** The record after a put at {@code revision}; a missing key starts a new life at version 1. */
    static VersionedValue put(VersionedValue previous, long revision, byte[] value) {
        return previous == null
                ? new VersionedValue(revision, revision, 1, value)
                : new VersionedValue(previous.createRevision, revision, previous.version + 1, value);
    }
}
