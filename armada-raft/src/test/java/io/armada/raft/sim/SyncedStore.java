package io.armada.raft.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * One write-ahead-logged store of a node (a RocksDB instance), holding a state per group: every
 * write changes the current state at once and is queued; {@link #sync()} makes all queued writes
 * durable, in order (the WAL's fsync, which covers every group's writes before it). A crash keeps
 * a random prefix of the unsynced writes (the OS may have written some of the WAL back, never
 * with a hole) and drops the rest.
 */
final class SyncedStore<S> {
    private final Supplier<S> fresh;
    private final UnaryOperator<S> copy;
    private Map<Long, S> current = new TreeMap<>();
    private final Map<Long, S> durable = new TreeMap<>();
    private final List<Consumer<Map<Long, S>>> unsynced = new ArrayList<>();
    long syncs;

    SyncedStore(Supplier<S> fresh, UnaryOperator<S> copy) {
        this.fresh = fresh;
        this.copy = copy;
    }

    /** Applies {@code write} to the group's state now; it survives a crash only after the next sync (or by luck). */
    void write(long groupId, Consumer<S> write) {
        Consumer<Map<Long, S>> op = m -> write.accept(m.computeIfAbsent(groupId, g -> fresh.get()));
        op.accept(current);
        unsynced.add(op);
    }

    void sync() {
        for (Consumer<Map<Long, S>> op : unsynced) {
            op.accept(durable);
        }
        unsynced.clear();
        syncs++;
    }

    /** Back to the durable state plus a random prefix of the unsynced writes. */
    void crash(SplittableRandom random) {
        int survivors = unsynced.isEmpty() ? 0 : random.nextInt(unsynced.size() + 1);
        for (Consumer<Map<Long, S>> op : unsynced.subList(0, survivors)) {
            op.accept(durable);
        }
        unsynced.clear();
        current = new TreeMap<>();
        durable.forEach((g, s) -> current.put(g, copy.apply(s)));
    }

    /** Removes the group's whole state (a dropped column family, a deleted group's keys); durable after the next sync. */
    void remove(long groupId) {
        Consumer<Map<Long, S>> op = m -> m.remove(groupId);
        op.accept(current);
        unsynced.add(op);
    }

    /** The groups holding any state now, written or only read (a read leaves a fresh state behind). */
    java.util.Set<Long> groups() {
        return java.util.Set.copyOf(current.keySet());
    }

    /** The group's current state, or null when it has none (unlike {@link #group}, which creates a fresh one). */
    S peek(long groupId) {
        return current.get(groupId);
    }

    S group(long groupId) {
        return current.computeIfAbsent(groupId, g -> fresh.get());
    }
}
