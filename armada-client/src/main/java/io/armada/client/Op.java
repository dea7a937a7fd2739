package io.armada.client;

import com.google.protobuf.ByteString;
import io.armada.api.v1.DeleteRangeRequest;
import io.armada.api.v1.PutRequest;
import io.armada.api.v1.RangeRequest;
import io.armada.api.v1.RequestOp;

/** One operation of a transaction branch. A null {@code rangeEnd} means the one key. */
public sealed interface Op {
    record Get(byte[] key, byte[] rangeEnd) implements Op {}

    record Put(byte[] key, byte[] value) implements Op {}

    record Delete(byte[] key, byte[] rangeEnd) implements Op {}

    static Op get(byte[] key) {
        return new Get(key, null);
    }

    static Op put(byte[] key, byte[] value) {
        return new Put(key, value);
    }

    static Op delete(byte[] key) {
        return new Delete(key, null);
    }

    /** The request operation of {@code op} on {@code table}. */
    static RequestOp toProto(String table, Op op) {
        return switch (op) {
            case Get g -> {
                RangeRequest.Builder r =
                        RangeRequest.newBuilder().setTable(table).setKey(ByteString.copyFrom(g.key()));
                if (g.rangeEnd() != null) {
                    r.setRangeEnd(ByteString.copyFrom(g.rangeEnd()));
                }
                yield RequestOp.newBuilder().setRequestRange(r).build();
            }
            case Put p ->
                RequestOp.newBuilder()
                        .setRequestPut(PutRequest.newBuilder()
                                .setTable(table)
                                .setKey(ByteString.copyFrom(p.key()))
                                .setValue(ByteString.copyFrom(p.value())))
                        .build();
            case Delete d -> {
                DeleteRangeRequest.Builder r =
                        DeleteRangeRequest.newBuilder().setTable(table).setKey(ByteString.copyFrom(d.key()));
                if (d.rangeEnd() != null) {
                    r.setRangeEnd(ByteString.copyFrom(d.rangeEnd()));
                }
                yield RequestOp.newBuilder().setRequestDeleteRange(r).build();
            }
        };
    }
}
