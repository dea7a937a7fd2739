package io.armada.storage;

import io.armada.api.v1.RangeRequest;
import io.armada.api.v1.RangeResponse;
import io.armada.api.v1.TxnRequest;
import io.armada.internal.v1.Command;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Apply and range throughput of one table: puts of 100-byte values over 100,000 keys (one
 * command per apply, as the Raft apply loop calls it), and ranges of 100 consecutive keys, bounded
 * by a range end or by a limit; a Txn of 16 whole-table ranges, on a replica that answers it and on
 * one that does not.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class TableStoreBenchmark {
    private static final int KEYS = 100_000;

    private Path dir;
    private TableStore store;
    private Table table;
    private long index;
    private Command[] puts;
    private RangeRequest[] ranges;
    private Command txnOfRanges;
    private int next;

    @Setup(Level.Trial)
    public void open() throws IOException {
        dir = Files.createTempDirectory("tablestore-bench");
        store = TableStore.open(dir, StoreOptions.defaults());
        table = store.createTable(1);
        String value = "v".repeat(100);
        puts = new Command[KEYS];
        for (int i = 0; i < KEYS; i++) {
            puts[i] = Requests.put(String.format("key%08d", i), value);
        }
        for (Command c : puts) {
            index++;
            table.apply(index, index, c);
        }
        TxnRequest.Builder txn = TxnRequest.newBuilder();
        for (int i = 0; i < 16; i++) {
            txn.addSuccess(Requests.opRange("\0", "\0"));
        }
        txnOfRanges = Requests.txn(txn);
        ranges = new RangeRequest[1000];
        for (int i = 0; i < ranges.length; i++) {
            int start = (i * 97) % (KEYS - 100);
            ranges[i] = Requests.range(String.format("key%08d", start), String.format("key%08d", start + 100))
                    .build();
        }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        store.close();
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Benchmark
    public Object applyPut() {
        index++;
        return table.apply(index, index, puts[next++ % KEYS]);
    }

    /** [k, k+100): the scan stops at the range end. */
    @Benchmark
    public RangeResponse range100() {
        return table.range(ranges[next++ % ranges.length]);
    }

    /**
     * A Txn of 16 ranges over the whole table, applied on the replica that answers it: the ranges
     * fill the 4 MiB response budget, and each still counts every key (issue 14 #5).
     */
    @Benchmark
    public Object txnOfRangesAnswered() {
        index++;
        return table.applyAll(java.util.List.of(new Table.IndexedCommand(index, index, txnOfRanges, true)));
    }

    /** The same Txn on a replica no client waits on: it takes the budget the ranges would and builds nothing. */
    @Benchmark
    public Object txnOfRangesUnanswered() {
        index++;
        return table.applyAll(java.util.List.of(new Table.IndexedCommand(index, index, txnOfRanges, false)));
    }

    /** Every key from k on with limit 100: etcd's count still has to visit every key after k. */
    @Benchmark
    public RangeResponse openRangeLimit100() {
        RangeRequest bounded = ranges[next++ % ranges.length];
        return table.range(bounded.toBuilder()
                .setRangeEnd(com.google.protobuf.ByteString.copyFrom(new byte[] {0}))
                .setLimit(100)
                .build());
    }
}
