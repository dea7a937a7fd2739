package io.armada.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.armada.api.v1.Compare;
import io.armada.api.v1.KeyValue;
import io.armada.api.v1.RangeRequest;
import io.armada.api.v1.RangeResponse;
import io.armada.api.v1.TxnRequest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random sequences of Put / DeleteRange / Txn / Range, checked step by step against a TreeMap
 * model with etcd's semantics, with the store closed and reopened in the middle.
 */
class TableStorePropertyTest {
    private static final List<String> KEYS = List.of("a", "ab", "abc", "b", "ba", "c", "d");

    /** The model: key -> (value, create, mod, version). */
    record ModelRecord(String value, long create, long mod, long version) {}

    sealed interface Op permits PutOp, DeleteOp, CasOp, RangeOp, ReopenOp {}

    record PutOp(String key, String value) implements Op {}

    record DeleteOp(String key, String end) implements Op {}

    /** A compare-and-set Txn: if key's version == expected then put else range everything. */
    record CasOp(String key, long expectedVersion, String value) implements Op {}

    record RangeOp(String key, String end, long limit, long minMod) implements Op {}

    record ReopenOp() implements Op {}

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<String> key = Arbitraries.of(KEYS);
        Arbitrary<String> end = Arbitraries.of("", "\0", "b", "c", "z");
        Arbitrary<String> value = Arbitraries.strings().alpha().ofMaxLength(5);
        Arbitrary<Op> put = Combinators.combine(key, value).as(PutOp::new);
        Arbitrary<Op> delete = Combinators.combine(key, end)
                .as(DeleteOp::new)
                .filter(d -> validRange(d.key(), d.end()))
                .map(d -> (Op) d);
        Arbitrary<Op> cas = Combinators.combine(key, Arbitraries.longs().between(0, 3), value)
                .as(CasOp::new);
        Arbitrary<Op> range = Combinators.combine(
                        key,
                        end,
                        Arbitraries.longs().between(0, 3),
                        Arbitraries.longs().between(0, 20))
                .as(RangeOp::new)
                .filter(r -> validRange(r.key(), r.end()))
                .map(r -> (Op) r);
        Arbitrary<Op> reopen = Arbitraries.just(new ReopenOp());
        return Arbitraries.frequencyOf(
                        net.jqwik.api.Tuple.of(5, put),
                        net.jqwik.api.Tuple.of(2, delete),
                        net.jqwik.api.Tuple.of(2, cas),
                        net.jqwik.api.Tuple.of(3, range),
                        net.jqwik.api.Tuple.of(1, reopen))
                .list()
                .ofMinSize(1)
                .ofMaxSize(60);
    }

    private static boolean validRange(String key, String end) {
        return end.isEmpty() || end.equals("\0") || end.compareTo(key) > 0;
    }

    private static boolean inRange(String k, String key, String end) {
        if (end.isEmpty()) {
            return k.equals(key);
        }
        return k.compareTo(key) >= 0 && (end.equals("\0") || k.compareTo(end) < 0);
    }

    @Property(tries = 150)
    void storeAgreesWithTheModel(@ForAll("ops") List<Op> ops) throws IOException {
        ScratchDir scratch = new ScratchDir("prop");
        Path dir = scratch.path();
        TreeMap<String, ModelRecord> model = new TreeMap<>();
        long index = 0;
        TableStore store = TableStore.open(dir, StoreOptions.defaults());
        try {
            store.createTable(1);
            for (Op op : ops) {
                Table table = store.table(1);
                switch (op) {
                    case ReopenOp r -> {
                        store.close();
                        store = TableStore.open(dir, StoreOptions.defaults());
                        assertThat(store.table(1).appliedIndex()).isEqualTo(index);
                    }
                    case PutOp p -> {
                        long rev = ++index;
                        var result = table.apply(rev, rev, Requests.put(p.key(), p.value()));
                        ModelRecord prev = model.get(p.key());
                        model.put(
                                p.key(),
                                prev == null
                                        ? new ModelRecord(p.value(), rev, rev, 1)
                                        : new ModelRecord(p.value(), prev.create(), rev, prev.version() + 1));
                        assertThat(result.getPut().hasPrevKv()).isEqualTo(prev != null);
                        assertThat(result.getPut().getHeader().getRevision()).isEqualTo(rev);
                    }
                    case DeleteOp d -> {
                        long rev = ++index;
                        var result = table.apply(rev, rev, Requests.delete(d.key(), d.end()));
                        List<String> doomed = model.keySet().stream()
                                .filter(k -> inRange(k, d.key(), d.end()))
                                .toList();
                        doomed.forEach(model::remove);
                        assertThat(result.getDeleteRange().getDeleted()).isEqualTo(doomed.size());
                    }
                    case CasOp c -> {
                        long rev = ++index;
                        TxnRequest.Builder txn = TxnRequest.newBuilder()
                                .addCompare(Requests.compareVersion(
                                        c.key(), Compare.CompareResult.EQUAL, c.expectedVersion()))
                                .addSuccess(Requests.opPut(c.key(), c.value()))
                                .addSuccess(Requests.opRange(c.key(), ""))
                                .addFailure(Requests.opRange("\0", "\0"));
                        var result = table.apply(rev, rev, Requests.txn(txn)).getTxn();
                        ModelRecord prev = model.get(c.key());
                        boolean holds = (prev == null ? 0 : prev.version()) == c.expectedVersion();
                        assertThat(result.getSucceeded()).isEqualTo(holds);
                        if (holds) {
                            model.put(
                                    c.key(),
                                    prev == null
                                            ? new ModelRecord(c.value(), rev, rev, 1)
                                            : new ModelRecord(c.value(), prev.create(), rev, prev.version() + 1));
                            // the range after the put sees the put (etcd: ops run in order)
                            KeyValue seen =
                                    result.getResponses(1).getResponseRange().getKvs(0);
                            assertThat(seen.getValue().toStringUtf8()).isEqualTo(c.value());
                            assertThat(seen.getModRevision()).isEqualTo(rev);
                        } else {
                            assertThat(result.getResponses(0).getResponseRange().getCount())
                                    .isEqualTo(model.size());
                        }
                    }
                    case RangeOp r -> {
                        RangeRequest req = Requests.range(r.key(), r.end())
                                .setLimit(r.limit())
                                .setMinModRevision(r.minMod())
                                .build();
                        RangeResponse got = table.range(req);
                        List<Map.Entry<String, ModelRecord>> expected = model.entrySet().stream()
                                .filter(e -> inRange(e.getKey(), r.key(), r.end()))
                                .filter(e -> r.minMod() == 0 || e.getValue().mod() >= r.minMod())
                                .toList();
                        List<Map.Entry<String, ModelRecord>> limited = r.limit() == 0
                                ? expected
                                : expected.subList(0, (int) Math.min(r.limit(), expected.size()));
                        assertThat(got.getCount()).isEqualTo(expected.size());
                        assertThat(got.getMore()).isEqualTo(limited.size() < expected.size());
                        assertThat(got.getHeader().getRevision()).isEqualTo(index);
                        List<String> actual = new ArrayList<>();
                        for (KeyValue kv : got.getKvsList()) {
                            actual.add(kv.getKey().toStringUtf8() + "="
                                    + kv.getValue().toStringUtf8() + "@" + kv.getCreateRevision() + "/"
                                    + kv.getModRevision() + "/v" + kv.getVersion());
                        }
                        assertThat(actual)
                                .containsExactlyElementsOf(limited.stream()
                                        .map(e -> e.getKey() + "="
                                                + e.getValue().value() + "@"
                                                + e.getValue().create() + "/"
                                                + e.getValue().mod() + "/v"
                                                + e.getValue().version())
                                        .toList());
                    }
                }
            }
        } finally {
            store.close();
            scratch.close();
        }
    }
}
