package io.armada.cli;

import com.google.protobuf.ByteString;
import io.armada.api.v1.Compare;
import io.armada.api.v1.KeyValue;
import io.armada.api.v1.PutRequest;
import io.armada.api.v1.RangeRequest;
import io.armada.api.v1.RequestOp;
import io.armada.api.v1.TxnRequest;
import io.armada.internal.v1.Command;
import io.armada.storage.StoreOptions;
import io.armada.storage.Table;
import io.armada.storage.TableSnapshot;
import io.armada.storage.TableStore;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/**
 * Shows the storage engine at work on one node, until the cluster commands exist: MVCC revisions,
 * a compare-and-set transaction, a prefix range, and a table snapshot restored into a copy.
 */
@CommandLine.Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = "Run a short tour of Armada's MVCC table store in a local directory.")
final class DemoCommand implements Callable<Integer> {
    @CommandLine.Option(names = "--data", description = "Directory for the store (default: a new temporary one).")
    Path data;

    private long revision;
    private final PrintStream out = System.out;

    @Override
    public Integer call() throws IOException {
        Path dir = data != null ? data : Files.createTempDirectory("armada-demo");
        out.println("store: " + dir);
        try (TableStore store = TableStore.open(dir, StoreOptions.defaults())) {
            long tableId =
                    store.tables().stream().mapToLong(Long::longValue).max().orElse(0) + 1;
            Table users = store.createTable(tableId);
            out.println("created table " + tableId);
            put(users, "user/ada", "Ada Lovelace");
            put(users, "user/alan", "Alan Turing");
            put(users, "user/ada", "Ada, Countess of Lovelace");
            show(users, "user/ada");

            TxnRequest cas = TxnRequest.newBuilder()
                    .addCompare(Compare.newBuilder()
                            .setKey(bs("user/alan"))
                            .setTarget(Compare.CompareTarget.VERSION)
                            .setResult(Compare.CompareResult.EQUAL)
                            .setVersion(1))
                    .addSuccess(RequestOp.newBuilder()
                            .setRequestPut(PutRequest.newBuilder()
                                    .setKey(bs("user/alan"))
                                    .setValue(bs("Alan M. Turing"))))
                    .build();
            revision++;
            boolean ok = users.apply(
                            revision, revision, Command.newBuilder().setTxn(cas).build())
                    .getTxn()
                    .getSucceeded();
            out.printf("txn if version(user/alan) == 1 then put: succeeded=%s at revision %d%n", ok, revision);

            var all = users.range(RangeRequest.newBuilder()
                    .setKey(bs("user/"))
                    .setRangeEnd(bs("user0"))
                    .build());
            out.printf(
                    "range prefix user/ at revision %d: %d keys%n",
                    all.getHeader().getRevision(), all.getCount());
            all.getKvsList().forEach(this::print);

            Table copy = store.createTable(tableId + 1);
            try (TableSnapshot snapshot = users.snapshot()) {
                store.installSnapshot(copy.id(), snapshot);
            }
            out.println("snapshot restored into table " + copy.id() + "; digests equal: "
                    + HexFormat.of()
                            .formatHex(copy.digest())
                            .equals(HexFormat.of().formatHex(users.digest())));
        }
        return 0;
    }

    private void put(Table table, String key, String value) {
        revision++;
        table.apply(
                revision,
                revision,
                Command.newBuilder()
                        .setPut(PutRequest.newBuilder().setKey(bs(key)).setValue(bs(value)))
                        .build());
        out.printf("put %s = %s -> revision %d%n", key, value, revision);
    }

    private void show(Table table, String key) {
        table.range(RangeRequest.newBuilder().setKey(bs(key)).build())
                .getKvsList()
                .forEach(this::print);
    }

    private void print(KeyValue kv) {
        out.printf(
                "  %s = %s (create_revision %d, mod_revision %d, version %d)%n",
                kv.getKey().toStringUtf8(),
                kv.getValue().toStringUtf8(),
                kv.getCreateRevision(),
                kv.getModRevision(),
                kv.getVersion());
    }

    private static ByteString bs(String s) {
        return ByteString.copyFrom(s, StandardCharsets.UTF_8);
    }
}
