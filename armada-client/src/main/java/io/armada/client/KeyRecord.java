package io.armada.client;

import io.armada.api.v1.KeyValue;

/** One key's record at the revision read: value and etcd's create/mod revision and version. */
public record KeyRecord(byte[] key, byte[] value, long createRevision, long modRevision, long version) {
    static KeyRecord of(KeyValue kv) {
        return new KeyRecord(
                kv.getKey().toByteArray(),
                kv.getValue().toByteArray(),
                kv.getCreateRevision(),
                kv.getModRevision(),
                kv.getVersion());
    }
}
