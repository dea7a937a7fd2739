package io.armada.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.armada.api.v1.Compare;
import io.armada.api.v1.TxnRequest;
import io.armada.internal.v1.Command;
import io.armada.internal.v1.CommandResult;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * {@link Table#applyAll} against {@link Table#apply}: a random command sequence applied in runs of
 * random lengths must give every command the same result, and the table the same content and
 * revision, as applying the commands one by one - a later command in a run sees the earlier ones,
 * and what {@link RecentRecords} remembers never differs from what RocksDB holds.
 */
class BatchedApplyPropertyTest {
    private static final List<String> KEYS = List.of("a", "ab", "b", "c");

    @Provide
    Arbitrary<List<Command>> commands() {
        Arbitrary<String> key = Arbitraries.of(KEYS);
        Arbitrary<String> value = Arbitraries.strings().alpha().ofMaxLength(4);
        Arbitrary<Command> put = Combinators.combine(key, value).as(Requests::put);
        Arbitrary<Command> delete = Combinators.combine(key, Arbitraries.of("", "b", "\0"))
                .as((k, end) -> end.isEmpty() || end.equals("\0") || end.compareTo(k) > 0
                        ? Requests.delete(k, end)
                        : Requests.delete(k, ""));
        // compare-and-set on the version, then read the key back inside the Txn
        Arbitrary<Command> cas = Combinators.combine(key, Arbitraries.longs().between(0, 3), value)
                .as((k, v, val) -> Requests.txn(TxnRequest.newBuilder()
                        .addCompare(Requests.compareVersion(k, Compare.CompareResult.EQUAL, v))
                        .addSuccess(Requests.opPut(k, val))
                        .addSuccess(Requests.opRange(k, ""))
                        .addFailure(Requests.opRange("\0", "\0"))));
        return Arbitraries.frequencyOf(
                        net.jqwik.api.Tuple.of(5, put),
                        net.jqwik.api.Tuple.of(2, delete),
                        net.jqwik.api.Tuple.of(3, cas))
                .list()
                .ofMinSize(1)
                .ofMaxSize(40);
    }

    /**
     * The one-by-one side runs without {@link RecentRecords}, reading every previous record from
     * RocksDB; the batched side with it, ample or too small for the keys (constant eviction).
     */
    @Property(tries = 100)
    void runsApplyAsOneByOne(
            @ForAll("commands") List<Command> commands,
            @ForAll @IntRange(min = 1, max = 12) int runLength,
            @ForAll boolean tinyMemory)
            throws IOException {
        try (ScratchDir dir = new ScratchDir("batched");
                TableStore plain = TableStore.open(
                        dir.resolve("plain"), StoreOptions.defaults().withRecentRecordsBytes(0));
                TableStore store = TableStore.open(
                        dir.resolve("batched"),
                        StoreOptions.defaults().withRecentRecordsBytes(tinyMemory ? 200 : 1 << 20))) {
            Table single = plain.createTable(1);
            Table batched = store.createTable(1);
            List<CommandResult> expected = new ArrayList<>();
            for (int i = 0; i < commands.size(); i++) {
                expected.add(single.apply(i + 1, i + 1, commands.get(i)));
            }
            List<CommandResult> actual = new ArrayList<>();
            for (int from = 0; from < commands.size(); from += runLength) {
                List<Table.IndexedCommand> run = new ArrayList<>();
                for (int i = from; i < Math.min(commands.size(), from + runLength); i++) {
                    run.add(new Table.IndexedCommand(i + 1, i + 1, commands.get(i)));
                }
                actual.addAll(batched.applyAll(run));
                assertThat(batched.appliedIndex()).isEqualTo(run.getLast().index());
            }
            assertThat(actual).containsExactlyElementsOf(expected);
            assertThat(batched.revision()).isEqualTo(single.revision());
            assertThat(batched.range(Requests.all())).isEqualTo(single.range(Requests.all()));
        }
    }

    @Test
    void aReplayedPrefixIsSkippedAndTheRestApplies() throws IOException {
        try (ScratchDir dir = new ScratchDir("batched");
                TableStore store = TableStore.open(dir.path(), StoreOptions.defaults())) {
            Table table = store.createTable(1);
            table.apply(1, 1, Requests.put("a", "1"));
            List<CommandResult> results = table.applyAll(List.of(
                    new Table.IndexedCommand(1, 1, Requests.put("a", "replayed")),
                    new Table.IndexedCommand(2, 2, Requests.put("a", "2"))));
            assertThat(results.getFirst()).isEqualTo(CommandResult.getDefaultInstance());
            assertThat(results.get(1).getPut().getHeader().getRevision()).isEqualTo(2);
            var kv = table.range(Requests.all()).getKvs(0);
            assertThat(kv.getValue().toStringUtf8()).isEqualTo("2");
            assertThat(kv.getVersion()).isEqualTo(2);
            assertThat(table.appliedIndex()).isEqualTo(2);
            // a run of replays only writes nothing and changes nothing
            assertThat(table.applyAll(List.of(new Table.IndexedCommand(2, 2, Requests.put("a", "x")))))
                    .containsExactly(CommandResult.getDefaultInstance());
            assertThat(table.range(Requests.all()).getKvs(0).getValue().toStringUtf8())
                    .isEqualTo("2");
        }
    }
}
