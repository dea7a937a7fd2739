package io.armada.raft.sim;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The simulated disks of one node, shared by all its groups, with the engine's three durability
 * domains: the Raft log store (synced when a Ready must be), the table store holding the state
 * machines (applies unsynced, as {@code StoreOptions.syncApply} is false; synced by
 * {@code syncApplied} and by a snapshot install), and each group's snapshot files (durable at
 * once). A crash loses what each did not sync, independently of the others.
 */
final class NodeDisk {
    final SyncedStore<LogState> logStore = new SyncedStore<>(LogState::new, LogState::copy);
    final SyncedStore<MachineState> tableStore = new SyncedStore<>(MachineState::new, MachineState::copy);
    private final Map<Long, SnapshotFiles> files = new TreeMap<>();

    LogState log(long groupId) {
        return logStore.group(groupId);
    }

    MachineState machine(long groupId) {
        return tableStore.group(groupId);
    }

    SnapshotFiles files(long groupId) {
        return files.computeIfAbsent(groupId, g -> new SnapshotFiles());
    }

    /** Whether the group's snapshot directory exists ({@code SnapshotFiles} creates it, a table's removal deletes it). */
    boolean hasFiles(long groupId) {
        return files.containsKey(groupId);
    }

    java.util.Set<Long> fileGroups() {
        return java.util.Set.copyOf(files.keySet());
    }

    /** The snapshot directory deleted (taken as durable at once). */
    void removeFiles(long groupId) {
        files.remove(groupId);
    }

    void crash(SplittableRandom random) {
        logStore.crash(random);
        tableStore.crash(random);
        files.values().forEach(f -> f.crash(random));
    }
}
