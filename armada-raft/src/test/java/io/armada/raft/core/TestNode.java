package io.armada.raft.core;

import io.armada.raft.Entry;
import io.armada.raft.EntryType;
import io.armada.raft.RaftConfig;
import io.armada.raft.RaftStatus;
import io.armada.raft.ReadState;
import io.armada.raft.Ready;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** One node of a test cluster: a core over a {@link MemoryStorage}, with an applied-entries list. */
final class TestNode {
    final long id;
    final long groupId;
    final RaftConfig config;
    final MemoryStorage storage;
    RaftCore core;
    final List<Entry> applied = new ArrayList<>();
    final List<ReadState> readStates = new ArrayList<>();
    final List<Ready> readies = new ArrayList<>();

    TestNode(long id, long groupId, RaftConfig config, MemoryStorage storage, long seed) {
        this.id = id;
        this.groupId = groupId;
        this.config = config;
        this.storage = storage;
        this.core = new RaftCore(groupId, id, config, storage, storage, 0, new SplittableRandom(seed));
    }

    /** Persists, applies and advances one Ready; returns it (its messages are for the network). */
    Ready handleReady() {
        Ready rd = core.ready();
        storage.persist(rd);
        if (rd.snapshot() != null) {
            applied.removeIf(e -> e.index() <= rd.snapshot().index());
        }
        for (Entry e : rd.committedEntries()) {
            if (!applied.isEmpty() && applied.get(applied.size() - 1).index() >= e.index()) {
                throw new AssertionError("node " + id + " applies " + e.index() + " twice");
            }
            applied.add(e);
        }
        readStates.addAll(rd.readStates());
        readies.add(rd);
        core.advance(rd);
        return rd;
    }

    List<byte[]> appliedData() {
        List<byte[]> out = new ArrayList<>();
        for (Entry e : applied) {
            if (e.type() == EntryType.NORMAL) {
                out.add(e.data());
            }
        }
        return out;
    }

    RaftStatus status() {
        return core.status();
    }
}
