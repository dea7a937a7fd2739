package io.armada.storage;

import com.google.protobuf.ByteString;
import io.armada.api.v1.Compare;
import io.armada.api.v1.DeleteRangeRequest;
import io.armada.api.v1.PutRequest;
import io.armada.api.v1.RangeRequest;
import io.armada.api.v1.RequestOp;
import io.armada.api.v1.TxnRequest;
import io.armada.internal.v1.Command;
import java.nio.charset.StandardCharsets;

/** Short builders for the tests' requests. */
final class Requests {
    private Requests() {}

    static ByteString bs(String s) {
        return ByteString.copyFrom(s, StandardCharsets.UTF_8);
    }

    static Command put(String key, String value) {
        return Command.newBuilder()
                .setPut(PutRequest.newBuilder()
                        .setKey(bs(key))
                        .setValue(bs(value))
                        .setPrevKv(true))
                .build();
    }

    static Command delete(String key, String rangeEnd) {
        return Command.newBuilder()
                .setDeleteRange(DeleteRangeRequest.newBuilder()
                        .setKey(bs(key))
                        .setRangeEnd(bs(rangeEnd))
                        .setPrevKv(true))
                .build();
    }

    static RangeRequest.Builder range(String key, String rangeEnd) {
        return RangeRequest.newBuilder().setKey(bs(key)).setRangeEnd(bs(rangeEnd));
    }

    static RangeRequest all() {
        return RangeRequest.newBuilder().setKey(bs("\0")).setRangeEnd(bs("\0")).build();
    }

    static Command txn(TxnRequest.Builder txn) {
        return Command.newBuilder().setTxn(txn).build();
    }

    static Compare.Builder compareValue(String key, Compare.CompareResult result, String value) {
        return Compare.newBuilder()
                .setKey(bs(key))
                .setTarget(Compare.CompareTarget.VALUE)
                .setResult(result)
                .setValue(bs(value));
    }

    static Compare.Builder compareVersion(String key, Compare.CompareResult result, long version) {
        return Compare.newBuilder()
                .setKey(bs(key))
                .setTarget(Compare.CompareTarget.VERSION)
                .setResult(result)
                .setVersion(version);
    }

    static RequestOp opPut(String key, String value) {
        return RequestOp.newBuilder()
                .setRequestPut(PutRequest.newBuilder().setKey(bs(key)).setValue(bs(value)))
                .build();
    }

    static RequestOp opRange(String key, String rangeEnd) {
        return RequestOp.newBuilder().setRequestRange(range(key, rangeEnd)).build();
    }

    static RequestOp opDelete(String key, String rangeEnd) {
        return RequestOp.newBuilder()
                .setRequestDeleteRange(
                        DeleteRangeRequest.newBuilder().setKey(bs(key)).setRangeEnd(bs(rangeEnd)))
                .build();
    }
}
