package io.armada.raft.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.armada.raft.ConfState;
import io.armada.raft.Entry;
import io.armada.raft.EntryType;
import io.armada.raft.SnapshotMeta;
import io.armada.raft.log.LogStore;
import io.armada.raft.log.LogStoreOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The core's view of a group's stored log keeps LogReader's promise: the term before the first entry is readable. */
class StoredLogTest {
    @TempDir
    Path dir;

    @Test
    void theTermBeforeTheFirstEntryStaysReadableWhenCompactionKeepsEntriesBehindTheSnapshot() {
        List<Throwable> fatal = new ArrayList<>();
        try (LogStore store = LogStore.open(dir, LogStoreOptions.defaults(), fatal::add)) {
            LogStore.Batch batch = store.batch();
            for (long i = 1; i <= 20; i++) {
                long term = i <= 10 ? 1 : 2;
                batch.append(7, i, term, StoredLog.encodeEntry(new Entry(term, i, EntryType.NORMAL, new byte[0])));
            }
            store.write(batch, true);
            // a snapshot at 15, the log compacted through 10: entries 11..15 kept behind it, as the engine does
            SnapshotMeta snapshot = new SnapshotMeta(15, 2, ConfState.ofVoters(1L, 2L, 3L));
            store.write(
                    store.batch()
                            .snapshotMeta(7, StoredLog.encodeSnapshotMeta(snapshot))
                            .compact(7, 10),
                    true);
            StoredLog log = new StoredLog(7, store);
            long first = log.firstIndex();
            assertThat(log.term(first - 1))
                    .as("term of firstIndex() - 1 = %d", first - 1)
                    .isEqualTo(2);
            assertThat(first).isLessThanOrEqualTo(snapshot.index() + 1);
            assertThat(log.entries(first, 21, Long.MAX_VALUE))
                    .first()
                    .extracting(Entry::index)
                    .isEqualTo(first);
            // compacted exactly through the snapshot: the snapshot's term is the one before the first entry
            store.write(store.batch().compact(7, 15), true);
            StoredLog after = new StoredLog(7, store);
            assertThat(after.firstIndex()).isEqualTo(16);
            assertThat(after.term(15)).isEqualTo(2);
        }
        assertThat(fatal).isEmpty();
    }
}
