package io.armada.server.node;

import com.google.protobuf.ByteString;
import io.armada.api.v1.Compare;
import io.armada.api.v1.DeleteRangeRequest;
import io.armada.api.v1.KeyValue;
import io.armada.api.v1.PutRequest;
import io.armada.api.v1.RangeRequest;
import io.armada.api.v1.RequestOp;
import io.armada.api.v1.TxnRequest;
import io.armada.internal.v1.Command;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The table catalog: a Raft group of its own (group {@link #GROUP_ID}) whose state machine is an
 * ordinary table keyed by table name. A table's id is the create revision of its catalog key,
 * i.e. the catalog log index that created it: unique, never reused (a re-created table is a new
 * table), and the same on every node without any counter to replicate.
 */
public final class Catalog {
    /** Raft group and storage table of the catalog; table ids are catalog indexes, always larger. */
    public static final long GROUP_ID = 1;

    private static final String CATALOG_TABLE = "catalog";

    private Catalog() {}

    /** The command that creates {@code name} unless it exists (the Txn then fails). */
    public static Command create(String name) {
        ByteString key = key(name);
        return Command.newBuilder()
                .setTxn(TxnRequest.newBuilder()
                        .setTable(CATALOG_TABLE)
                        .addCompare(Compare.newBuilder()
                                .setKey(key)
                                .setTarget(Compare.CompareTarget.VERSION)
                                .setResult(Compare.CompareResult.EQUAL)
                                .setVersion(0))
                        .addSuccess(RequestOp.newBuilder()
                                .setRequestPut(PutRequest.newBuilder()
                                        .setTable(CATALOG_TABLE)
                                        .setKey(key)
                                        .setValue(ByteString.EMPTY))))
                .build();
    }

    /**
     * Removes table {@code name} if it is still table {@code id} (the catalog index that created it,
     * its key's create revision): a table deleted and created again under the name since the caller
     * looked is not dropped. The Txn succeeds only if it removed it.
     */
    public static Command delete(String name, long id) {
        ByteString key = key(name);
        return Command.newBuilder()
                .setTxn(TxnRequest.newBuilder()
                        .setTable(CATALOG_TABLE)
                        .addCompare(Compare.newBuilder()
                                .setKey(key)
                                .setTarget(Compare.CompareTarget.CREATE)
                                .setResult(Compare.CompareResult.EQUAL)
                                .setCreateRevision(id))
                        .addSuccess(RequestOp.newBuilder()
                                .setRequestDeleteRange(DeleteRangeRequest.newBuilder()
                                        .setTable(CATALOG_TABLE)
                                        .setKey(key))))
                .build();
    }

    /** Every table in the catalog state machine, by name, with its id. */
    public static Map<String, Long> tables(TableStateMachine catalog) {
        Map<String, Long> out = new LinkedHashMap<>();
        var response = catalog.table()
                .range(RangeRequest.newBuilder()
                        .setTable(CATALOG_TABLE)
                        .setKey(ByteString.copyFrom(new byte[] {0}))
                        .setRangeEnd(ByteString.copyFrom(new byte[] {0}))
                        .build());
        for (KeyValue kv : response.getKvsList()) {
            long id = kv.getCreateRevision();
            if (id <= GROUP_ID) {
                throw new IllegalStateException("catalog entry " + kv.getKey().toStringUtf8() + " has id " + id);
            }
            out.put(kv.getKey().toStringUtf8(), id);
        }
        return out;
    }

    private static ByteString key(String name) {
        return ByteString.copyFrom(name, StandardCharsets.UTF_8);
    }
}
