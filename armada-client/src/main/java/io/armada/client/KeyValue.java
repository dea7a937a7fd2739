package io.armada.client;

/** One key's record at the revision read: value and etcd's create/mod revision and version. */
public record KeyValue(byte[] key, byte[] value, long createRevision, long modRevision, long version) {
    static KeyValue of(io.armada.api.v1.KeyValue kv) {
        return new KeyValue(kv.getKey().toByteArray(), kv.getValue().toByteArray(), kv.getCreateRevision(),
                kv.getModRevision(), kv.getVersion());
    }
}
