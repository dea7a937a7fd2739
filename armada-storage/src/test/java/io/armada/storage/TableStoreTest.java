package io.armada.storage;

import static io.armada.storage.Requests.bs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.armada.api.v1.Compare;
import io.armada.api.v1.KeyValue;
import io.armada.api.v1.PutRequest;
import io.armada.api.v1.RangeResponse;
import io.armada.api.v1.RequestOp;
import io.armada.api.v1.TableSnapshotChunk;
import io.armada.api.v1.TxnRequest;
import io.armada.internal.v1.Command;
import io.armada.internal.v1.CommandResult;
import io.armada.proto.Limits;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TableStoreTest {
    @TempDir
    Path dir;

    private TableStore store;
    private Table table;
    private long index;

    @BeforeEach
    void open() {
        store = TableStore.open(dir, StoreOptions.defaults());
        table = store.createTable(1);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private long write(Command c) {
        index++;
        table.apply(index, index, c);
        return index;
    }

    private List<String> keys(RangeResponse r) {
        return r.getKvsList().stream().map(kv -> kv.getKey().toStringUtf8()).toList();
    }

    private KeyValue get(String key) {
        RangeResponse r = table.range(Requests.range(key, "").build());
        return r.getKvsCount() == 0 ? null : r.getKvs(0);
    }

    /**
     * Thousands of tables must not mean thousands of write buffers (issue 16): 64 tables each written
     * an eighth of its own 1 MiB write buffer hold 8 MiB of memtables without a node-wide budget (less
     * than the WAL cap, which would flush them too); with a 4 MiB budget RocksDB flushes the largest,
     * and every value stays readable.
     */
    @Test
    void theMemtablesOfAllTablesTogetherStayWithinTheNodesBudget() {
        long budget = 4L << 20;
        try (TableStore small =
                TableStore.open(dir.resolve("budget"), new StoreOptions(false, 128L << 20, 0, 1L << 20, budget))) {
            String value = "v".repeat(16 * 1024);
            long at = 0;
            for (long id = 1; id <= 64; id++) {
                Table t = small.createTable(id);
                for (int k = 0; k < 8; k++) {
                    at++;
                    t.apply(at, at, Requests.put("k" + k, value));
                }
            }
            org.awaitility.Awaitility.await()
                    .atMost(java.time.Duration.ofSeconds(30))
                    .until(() -> small.memtableBytes() <= budget);
            for (long id = 1; id <= 64; id++) {
                assertThat(small.table(id).range(Requests.all()).getKvsCount()).isEqualTo(8);
            }
        }
    }

    /**
     * The WAL is shared by every table, and a file goes only once every table with data in it has
     * flushed: without a cap, one write to an otherwise idle table keeps every WAL file written after
     * it, however much the busy tables flush. With the cap RocksDB flushes the idle table too.
     */
    @Test
    void oneWriteToAnIdleTableDoesNotPinTheWalForever() {
        long budget = 4L << 20;
        long cap = TableStore.MAX_TOTAL_WAL_BYTES_PER_MEMTABLE_BYTE * budget;
        try (TableStore small =
                TableStore.open(dir.resolve("wal"), new StoreOptions(false, 128L << 20, 0, 1L << 20, budget))) {
            Table idle = small.createTable(1);
            Table busy = small.createTable(2);
            idle.apply(1, 1, Requests.put("once", "v"));
            String value = "v".repeat(64 * 1024);
            long peak = 0;
            for (long at = 2; at < 2 + 4 * cap / value.length(); at++) {
                busy.apply(at, at, Requests.put("k" + (at % 100), value));
                peak = Math.max(peak, small.walBytes());
            }
            System.out.printf(
                    "WAL peak %.1f MiB with a cap of %.1f MiB, after %.1f MiB written%n",
                    peak / 1048576.0, cap / 1048576.0, 4.0 * cap / 1048576.0);
            // a cap, not a hard limit: RocksDB checks it when it switches WAL files (one per memtable)
            assertThat(peak).isLessThanOrEqualTo(cap + 2 * (1L << 20));
            assertThat(idle.range(Requests.all()).getKvsCount()).isOne();
        }
    }

    @Test
    void memtableBudgetIsBetweenOneTablesBufferAndTheBlockCache() {
        assertThatThrownBy(() -> new StoreOptions(false, 128L << 20, 0, 8L << 20, 4L << 20))
                .hasMessageContaining("memtableBytesPerNode");
        assertThatThrownBy(() -> new StoreOptions(false, 64L << 20, 0, 8L << 20, 65L << 20))
                .hasMessageContaining("blockCacheBytes (67108864)");
    }

    @Test
    void versionsFollowEtcdIncludingResetOnDeleteAndRecreate() {
        long first = write(Requests.put("k", "1"));
        long second = write(Requests.put("k", "2"));
        assertThat(get("k").getVersion()).isEqualTo(2);
        assertThat(get("k").getCreateRevision()).isEqualTo(first);
        assertThat(get("k").getModRevision()).isEqualTo(second);

        write(Requests.delete("k", ""));
        assertThat(get("k")).isNull();
        long recreated = write(Requests.put("k", "3"));
        assertThat(get("k").getVersion()).isEqualTo(1);
        assertThat(get("k").getCreateRevision()).isEqualTo(recreated);
    }

    @Test
    void replayingAnAppliedIndexChangesNothing() {
        write(Requests.put("k", "1"));
        var replay = table.apply(1, 1, Requests.put("k", "other"));
        assertThat(replay.getResultCase()).isEqualTo(CommandResult.ResultCase.RESULT_NOT_SET);
        assertThat(get("k").getValue().toStringUtf8()).isEqualTo("1");
        assertThat(table.appliedIndex()).isEqualTo(1);
    }

    @Test
    void aRevisionThatDoesNotIncreaseIsABrokenInvariant() {
        table.apply(5, 5, Requests.put("k", "1"));
        assertThatThrownBy(() -> table.apply(6, 5, Requests.put("k", "2")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("does not follow");
    }

    @Test
    void aFollowerStampsTheLeadersRevisionAtItsOwnIndex() {
        table.apply(3, 1000, Requests.put("k", "v"));
        assertThat(get("k").getModRevision()).isEqualTo(1000);
        assertThat(table.appliedIndex()).isEqualTo(3);
        assertThat(table.revision()).isEqualTo(1000);
        table.markApplied(4);
        assertThat(table.applied()).isEqualTo(new Table.AppliedMarker(4, 1000));
    }

    @Test
    void rangeOptionsFiltersLimitsCountAndMore() {
        for (String k : List.of("a", "b", "c", "d", "e")) {
            write(Requests.put(k, "v" + k));
        }
        write(Requests.put("b", "again"));
        assertThat(keys(table.range(Requests.range("b", "d").build()))).containsExactly("b", "c");
        assertThat(keys(table.range(Requests.range("c", "\0").build()))).containsExactly("c", "d", "e");
        assertThat(keys(table.range(Requests.all()))).containsExactly("a", "b", "c", "d", "e");

        RangeResponse limited =
                table.range(Requests.range("a", "\0").setLimit(2).build());
        assertThat(keys(limited)).containsExactly("a", "b");
        assertThat(limited.getMore()).isTrue();
        assertThat(limited.getCount()).isEqualTo(5);

        RangeResponse recent =
                table.range(Requests.range("a", "\0").setMinModRevision(4).build());
        assertThat(keys(recent)).containsExactly("b", "d", "e");
        RangeResponse old = table.range(Requests.range("a", "\0")
                .setMaxModRevision(3)
                .setMaxCreateRevision(2)
                .build());
        assertThat(keys(old)).containsExactly("a");
        assertThat(table.range(Requests.range("a", "\0").setMinCreateRevision(5).build())
                        .getCount())
                .isEqualTo(1);

        RangeResponse countOnly =
                table.range(Requests.range("a", "\0").setCountOnly(true).build());
        assertThat(countOnly.getKvsCount()).isZero();
        assertThat(countOnly.getCount()).isEqualTo(5);
        assertThat(countOnly.getMore()).isFalse();
        RangeResponse keysOnly =
                table.range(Requests.range("a", "").setKeysOnly(true).build());
        assertThat(keysOnly.getKvs(0).getValue().isEmpty()).isTrue();
        assertThat(keysOnly.getHeader().getRevision()).isEqualTo(6);
    }

    @Test
    void aPrefixRangeIsKeyToKeyPlusOne() {
        for (String k : List.of("app", "apple", "apq", "b")) {
            write(Requests.put(k, "x"));
        }
        assertThat(keys(table.range(Requests.range("app", "apq").build()))).containsExactly("app", "apple");
    }

    @Test
    void txnComparesFollowEtcdRules() {
        write(Requests.put("k", "v"));
        // VALUE compare on a missing key is false, whatever the operator
        var missing = table.apply(
                        ++index,
                        index,
                        Requests.txn(TxnRequest.newBuilder()
                                .addCompare(Requests.compareValue("absent", Compare.CompareResult.NOT_EQUAL, "x"))
                                .addSuccess(Requests.opPut("s", "1"))
                                .addFailure(Requests.opPut("f", "1"))))
                .getTxn();
        assertThat(missing.getSucceeded()).isFalse();
        assertThat(get("f")).isNotNull();
        assertThat(get("s")).isNull();

        // all compares hold: success ops run in order and share one revision
        long rev = ++index;
        var cas = table.apply(
                        rev,
                        rev,
                        Requests.txn(TxnRequest.newBuilder()
                                .addCompare(Requests.compareValue("k", Compare.CompareResult.EQUAL, "v"))
                                .addCompare(Requests.compareVersion("k", Compare.CompareResult.LESS, 2))
                                .addCompare(Compare.newBuilder()
                                        .setKey(bs("k"))
                                        .setTarget(Compare.CompareTarget.MOD)
                                        .setResult(Compare.CompareResult.GREATER)
                                        .setModRevision(0))
                                .addSuccess(Requests.opPut("k", "w"))
                                .addSuccess(Requests.opPut("k2", "w2"))
                                .addSuccess(Requests.opDelete("f", ""))
                                .addSuccess(Requests.opRange("k", "l"))))
                .getTxn();
        assertThat(cas.getSucceeded()).isTrue();
        assertThat(cas.getResponses(2).getResponseDeleteRange().getDeleted()).isEqualTo(1);
        RangeResponse inside = cas.getResponses(3).getResponseRange();
        assertThat(inside.getKvsList())
                .extracting(
                        kv -> kv.getKey().toStringUtf8() + "=" + kv.getValue().toStringUtf8())
                .containsExactly("k=w", "k2=w2");
        assertThat(get("k").getModRevision()).isEqualTo(rev);
        assertThat(get("k2").getModRevision()).isEqualTo(rev);
        assertThat(get("k").getVersion()).isEqualTo(2);
    }

    @Test
    void deleteRangeReturnsCountAndPreviousPairs() {
        write(Requests.put("a1", "x"));
        write(Requests.put("a2", "y"));
        write(Requests.put("b", "z"));
        var result = table.apply(++index, index, Requests.delete("a", "b")).getDeleteRange();
        assertThat(result.getDeleted()).isEqualTo(2);
        assertThat(result.getPrevKvsList())
                .extracting(kv -> kv.getValue().toStringUtf8())
                .containsExactly("x", "y");
        assertThat(keys(table.range(Requests.all()))).containsExactly("b");
    }

    @Test
    void putReturnsThePreviousPair() {
        write(Requests.put("k", "old"));
        var result = table.apply(++index, index, Requests.put("k", "new")).getPut();
        assertThat(result.getPrevKv().getValue().toStringUtf8()).isEqualTo("old");
    }

    @Test
    void droppingATableLeavesOthersAndSurvivesReopen() {
        Table other = store.createTable(2);
        other.apply(1, 1, Requests.put("keep", "me"));
        write(Requests.put("gone", "soon"));
        store.dropTable(1);
        assertThatThrownBy(() -> store.table(1)).isInstanceOf(NoSuchTableException.class);

        store.close();
        store = TableStore.open(dir, StoreOptions.defaults());
        assertThat(store.tables()).containsExactly(2L);
        assertThat(store.table(2)
                        .range(Requests.range("keep", "").build())
                        .getKvs(0)
                        .getValue()
                        .toStringUtf8())
                .isEqualTo("me");
        table = store.createTable(1); // a re-created table starts empty
        assertThat(table.range(Requests.all()).getCount()).isZero();
    }

    @Test
    void aSnapshotRoundTripsIntoAnotherTableWithTheSameDigest() {
        for (int i = 0; i < 3000; i++) {
            write(Requests.put("key" + i, "value-" + i + "-".repeat(500)));
        }
        Table copy = store.createTable(2);
        copy.apply(1, 1, Requests.put("stale", "x"));
        List<TableSnapshotChunk> chunks = new ArrayList<>();
        try (TableSnapshot snapshot = table.snapshot()) {
            assertThat(snapshot.revision()).isEqualTo(index);
            snapshot.forEachRemaining(chunks::add);
        }
        assertThat(chunks).hasSizeGreaterThan(1);
        assertThat(chunks).allMatch(c -> c.getData().size() <= Limits.MAX_SNAPSHOT_CHUNK_BYTES);
        store.installSnapshot(2, chunks.iterator());

        assertThat(copy.digest()).isEqualTo(table.digest());
        assertThat(copy.appliedIndex()).isEqualTo(index);
        assertThat(copy.range(Requests.range("stale", "").build()).getCount()).isZero();
        store.close();
        store = TableStore.open(dir, StoreOptions.defaults());
        assertThat(store.table(2).digest()).isEqualTo(store.table(1).digest());
        table = store.table(1);
    }

    @Test
    void aCorruptOrTruncatedSnapshotLeavesTheTableAsItWas() {
        write(Requests.put("a", "1"));
        Table target = store.createTable(2);
        target.apply(1, 1, Requests.put("mine", "keep"));
        byte[] before = target.digest();
        List<TableSnapshotChunk> chunks = new ArrayList<>();
        try (TableSnapshot snapshot = table.snapshot()) {
            snapshot.forEachRemaining(chunks::add);
        }
        TableSnapshotChunk last = chunks.get(chunks.size() - 1);
        List<TableSnapshotChunk> corrupt = new ArrayList<>(chunks.subList(0, chunks.size() - 1));
        corrupt.add(last.toBuilder().setChecksum(last.getChecksum() + 1).build());
        assertThatThrownBy(() -> store.installSnapshot(2, corrupt.iterator()))
                .isInstanceOf(TableStore.InvalidSnapshotException.class)
                .hasMessageContaining("checksum");
        assertThat(target.digest()).isEqualTo(before);

        List<TableSnapshotChunk> truncated =
                List.of(chunks.get(0).toBuilder().setLast(false).build());
        assertThatThrownBy(() -> store.installSnapshot(2, truncated.iterator()))
                .isInstanceOf(TableStore.InvalidSnapshotException.class);
        assertThat(target.digest()).isEqualTo(before);
        store.close();
        store = TableStore.open(dir, StoreOptions.defaults());
        assertThat(store.table(2).digest()).isEqualTo(before);
        table = store.table(1);
    }

    @Test
    void iterateRangeStreamsChunksFromOneSnapshot() {
        for (int i = 0; i < 100; i++) {
            write(Requests.put(String.format("k%03d", i), "v".repeat(100)));
        }
        List<String> seen = new ArrayList<>();
        int chunks = 0;
        try (RangeCursor cursor = table.iterate(Requests.range("k", "l").build(), 1000)) {
            write(Requests.put("k050", "written during the iteration"));
            while (cursor.hasNext()) {
                RangeResponse r = cursor.next();
                chunks++;
                assertThat(r.getHeader().getRevision()).isEqualTo(100);
                r.getKvsList().forEach(kv -> {
                    seen.add(kv.getKey().toStringUtf8());
                    assertThat(kv.getValue().toStringUtf8()).isEqualTo("v".repeat(100));
                });
            }
        }
        assertThat(seen).hasSize(100).isSorted();
        assertThat(chunks).isGreaterThan(5);
    }

    @Test
    void theValidatorNamesTheFieldAndTheLimit() {
        Command bigKey = Command.newBuilder()
                .setPut(PutRequest.newBuilder().setKey(bs("k".repeat(2048))))
                .build();
        assertThatThrownBy(() -> CommandValidator.validate(bigKey))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("put.key: 2048 bytes exceeds the limit of 1024");
        Command emptyKey = Command.newBuilder().setPut(PutRequest.newBuilder()).build();
        assertThatThrownBy(() -> CommandValidator.validate(emptyKey))
                .hasMessage("put.key: a non-empty key is required");
        Command bigValue = Command.newBuilder()
                .setPut(PutRequest.newBuilder()
                        .setKey(bs("k"))
                        .setValue(com.google.protobuf.ByteString.copyFrom(new byte[Limits.MAX_VALUE_BYTES + 1])))
                .build();
        assertThatThrownBy(() -> CommandValidator.validate(bigValue))
                .hasMessage("put.value: 2097153 bytes exceeds the limit of 2097152");
        TxnRequest.Builder tooMany = TxnRequest.newBuilder().setTable("t");
        for (int i = 0; i <= Limits.MAX_TXN_OPS; i++) {
            tooMany.addSuccess(Requests.opPut("k" + i, "v"));
        }
        assertThatThrownBy(() -> CommandValidator.validate(tooMany.build()))
                .hasMessage("txn.success: 129 entries exceeds the limit of 128");
        assertThatThrownBy(() -> CommandValidator.validate(
                        "range", Requests.range("b", "a").build()))
                .hasMessageStartingWith("range.range_end: must be greater than key");
        assertThatThrownBy(() -> CommandValidator.validate(
                        "range", Requests.range("a", "").setLimit(-1).build()))
                .hasMessage("range.limit: -1 is negative");
        TxnRequest otherTable = TxnRequest.newBuilder()
                .setTable("t")
                .addSuccess(RequestOp.newBuilder()
                        .setRequestPut(PutRequest.newBuilder().setTable("u").setKey(bs("k"))))
                .build();
        assertThatThrownBy(() -> CommandValidator.validate(otherTable))
                .hasMessageContaining("txn.success[0].request_put.table");
        assertThatThrownBy(() -> CommandValidator.validateTableName("name", "bad name!"))
                .hasMessageContaining("[A-Za-z0-9_.-]");
    }

    @Test
    void readsSeeOneRevisionWhileWritesContinue() throws Exception {
        for (int i = 0; i < 200; i++) {
            write(Requests.put("k" + i, "0"));
        }
        Thread writer = new Thread(() -> {
            for (int round = 1; round <= 20; round++) {
                // every round rewrites all keys in one txn: a read must never mix rounds
                TxnRequest.Builder txn = TxnRequest.newBuilder();
                for (int i = 0; i < 100; i++) {
                    txn.addSuccess(Requests.opPut("k" + i, String.valueOf(round)));
                }
                for (int i = 100; txn.getSuccessCount() < Limits.MAX_TXN_OPS; i++) {
                    txn.addSuccess(Requests.opPut("k" + i, String.valueOf(round)));
                }
                long next = 200 + round;
                table.apply(next, next, Requests.txn(txn));
            }
        });
        writer.start();
        while (writer.isAlive()) {
            RangeResponse r = table.range(Requests.range("k0", "k1").build()); // [k0, k1) holds k0 alone
            assertThat(r.getKvsCount()).isEqualTo(1);
            RangeResponse all =
                    table.range(Requests.range("k", "l").setLimit(128).build());
            long distinct = all.getKvsList().stream()
                    .filter(kv -> kv.getModRevision() > 200)
                    .map(kv -> kv.getValue().toStringUtf8())
                    .distinct()
                    .count();
            assertThat(distinct).isLessThanOrEqualTo(1);
        }
        writer.join();
    }
}
