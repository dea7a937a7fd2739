package io.armada.testkit.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import io.armada.raft.log.LogStore;
import io.armada.raft.log.LogStoreOptions;
import io.armada.storage.StoreOptions;
import io.armada.storage.TableStore;
import io.armada.testkit.fuse.LossyFilesystem.Semantics;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node's stores, created in a fresh data directory, keep what they synced across a power cut even
 * under POSIX's strict rule that a new name is durable only once its directory is fsynced: RocksDB
 * syncs its own directory, never the parents a new node creates for it (found by the power-loss-node
 * scenario in strict mode: the node came back blank and rejoined as an empty voter).
 */
class DataDirectoryPowerCutTest {
    @TempDir
    Path dir;

    private LossyFilesystem fs;

    @AfterEach
    void unmount() throws Exception {
        if (fs != null) {
            fs.close();
        }
    }

    @Test
    void aNewNodesStoresKeepWhatTheySyncedUnderStrictPosixNames() throws Exception {
        fs = LossyFilesystem.mount(dir.resolve("backing"), dir.resolve("mnt"), Semantics.STRICT_POSIX);
        Path data = fs.mountpoint().resolve("node-1");
        List<Throwable> fatal = new ArrayList<>();
        try (LogStore log = LogStore.open(data.resolve("raft-log"), LogStoreOptions.defaults(), fatal::add)) {
            log.write(log.batch().append(7, 1, 1, new byte[] {42}), true);
        }
        try (TableStore tables = TableStore.open(data.resolve("tables"), StoreOptions.defaults())) {
            tables.createTable(7); // a synced pointer write and a synced MANIFEST
        }
        fs.powerCut();
        try (LogStore log = LogStore.open(data.resolve("raft-log"), LogStoreOptions.defaults(), fatal::add)) {
            assertThat(log.lastIndex(7)).as("the synced log entry").isEqualTo(1);
        }
        try (TableStore tables = TableStore.open(data.resolve("tables"), StoreOptions.defaults())) {
            assertThat(tables.hasTable(7)).as("the created table").isTrue();
        }
        assertThat(fatal).isEmpty();
    }
}
