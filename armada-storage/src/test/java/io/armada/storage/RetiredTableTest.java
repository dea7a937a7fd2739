package io.armada.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.armada.internal.v1.Command;
import io.armada.internal.v1.CommandError;
import io.armada.internal.v1.CommandResult;
import io.armada.internal.v1.RetireTable;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deleting a table first retires it in its own group: every write ordered after the retire fails,
 * on every replica, across restarts and snapshot installs, so no write to a table can be
 * acknowledged after its deletion was.
 */
class RetiredTableTest {
    private static final Command RETIRE =
            Command.newBuilder().setRetire(RetireTable.getDefaultInstance()).build();

    @TempDir
    Path dir;

    @Test
    void everyWriteAfterTheRetireInTheSameRunOrLaterFailsAndChangesNothing() {
        try (TableStore store = TableStore.open(dir, StoreOptions.defaults())) {
            Table t = store.createTable(1);
            List<CommandResult> results = t.applyAll(List.of(
                    new Table.IndexedCommand(1, 1, Requests.put("a", "1")),
                    new Table.IndexedCommand(2, 2, RETIRE),
                    new Table.IndexedCommand(3, 3, Requests.put("b", "2"))));
            assertThat(results.get(0).hasPut()).isTrue();
            assertThat(results.get(1).hasError()).isFalse();
            assertThat(results.get(2).getError().getReason()).isEqualTo(CommandError.Reason.TABLE_DELETED);
            assertThat(t.isRetired()).isTrue();
            assertThat(t.apply(4, 4, Requests.delete("a", "")).getError().getReason())
                    .isEqualTo(CommandError.Reason.TABLE_DELETED);
            assertThat(t.apply(5, 5, RETIRE).hasError())
                    .as("a second retire changes nothing either")
                    .isTrue();
            assertThat(t.appliedIndex()).isEqualTo(5);
            assertThat(t.range(Requests.all()).getKvsList())
                    .extracting(kv -> kv.getKey().toStringUtf8())
                    .containsExactly("a");
        }
        try (TableStore store = TableStore.open(dir, StoreOptions.defaults())) {
            Table t = store.table(1);
            assertThat(t.isRetired())
                    .as("the mark is durable with the apply that set it")
                    .isTrue();
            assertThat(t.apply(6, 6, Requests.put("c", "3")).getError().getReason())
                    .isEqualTo(CommandError.Reason.TABLE_DELETED);
        }
    }

    @Test
    void aRetiredTablesSnapshotInstallsRetired() {
        try (TableStore source = TableStore.open(dir.resolve("source"), StoreOptions.defaults());
                TableStore lagging = TableStore.open(dir.resolve("lagging"), StoreOptions.defaults())) {
            Table t = source.createTable(1);
            t.apply(1, 1, Requests.put("a", "1"));
            t.apply(2, 2, RETIRE);
            lagging.createTable(1).apply(1, 1, Requests.put("a", "1"));
            Table installed;
            try (TableSnapshot snapshot = t.snapshot()) {
                installed = lagging.installSnapshot(1, snapshot);
            }
            assertThat(installed.isRetired()).isTrue();
            assertThat(installed.apply(3, 3, Requests.put("b", "2")).getError().getReason())
                    .isEqualTo(CommandError.Reason.TABLE_DELETED);
        }
        try (TableStore lagging = TableStore.open(dir.resolve("lagging"), StoreOptions.defaults())) {
            assertThat(lagging.table(1).isRetired()).as("installed durably").isTrue();
        }
    }

    @Test
    void aFollowerClustersReplicaOfTheLeaderEntryRetiresToo() {
        try (TableStore store = TableStore.open(dir, StoreOptions.defaults())) {
            Table t = store.createTable(1);
            List<CommandResult> results = t.applyReplicated(
                    7,
                    List.of(
                            new Table.LeaderClusterEntry(10, Requests.put("a", "1")),
                            new Table.LeaderClusterEntry(11, RETIRE),
                            new Table.LeaderClusterEntry(12, Requests.put("b", "1"))));
            assertThat(results.get(2).getError().getReason()).isEqualTo(CommandError.Reason.TABLE_DELETED);
            assertThat(t.isRetired()).isTrue();
        }
    }
}
