package io.armada.raft.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The simulated disk of one node, shared by all its groups (as the real node shares one log
 * store). Every write changes the current state at once and is queued; {@link #sync()} makes all
 * queued writes durable, in order (like a write-ahead log's fsync); a crash drops what was not
 * synced.
 */
final class NodeDisk {
    private Map<Long, GroupDiskState> current = new TreeMap<>();
    private final Map<Long, GroupDiskState> durable = new TreeMap<>();
    private final List<Consumer<Map<Long, GroupDiskState>>> unsynced = new ArrayList<>();
    long syncs;

    /** Applies {@code write} now; it survives a crash only after the next sync. */
    void write(long groupId, Consumer<GroupDiskState> write) {
        Consumer<Map<Long, GroupDiskState>> op = m -> write.accept(m.computeIfAbsent(groupId, g -> new GroupDiskState()));
        op.accept(current);
        unsynced.add(op);
    }

    void sync() {
        for (Consumer<Map<Long, GroupDiskState>> op : unsynced) {
            op.accept(durable);
        }
        unsynced.clear();
        syncs++;
    }

    void crash() {
        unsynced.clear();
        current = new TreeMap<>();
        durable.forEach((g, s) -> current.put(g, s.copy()));
    }

    GroupDiskState group(long groupId) {
        return current.computeIfAbsent(groupId, g -> new GroupDiskState());
    }
}
