package io.armada.raft.sim;

import io.armada.raft.ConfState;
import io.armada.raft.Entry;
import io.armada.raft.HardState;
import io.armada.raft.SnapshotMeta;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What one node stores for one group: the Raft log store (hard state, membership, entries,
 * snapshot, staged inbound snapshot) and the state machine (applied entries). Copied whole when a
 * node crashes back to its durable state.
 */
final class GroupDiskState {
    HardState hardState = HardState.EMPTY;
    ConfState confState = ConfState.EMPTY;
    long firstIndex = 1;
    long compactedTerm;
    ArrayList<Entry> entries = new ArrayList<>();
    SnapshotMeta snapshot = SnapshotMeta.EMPTY;
    byte[] snapshotData = SimStateMachine.encode(0, List.of());
    ByteArrayOutputStream staging = new ByteArrayOutputStream();
    SnapshotMeta stagingMeta;

    /** State machine: every applied NORMAL entry in order, and the applied index. */
    long appliedIndex;
    ArrayList<SimStateMachine.Applied> applied = new ArrayList<>();
    Set<Long> appliedPayloads = new HashSet<>();

    GroupDiskState copy() {
        GroupDiskState c = new GroupDiskState();
        c.hardState = hardState;
        c.confState = confState;
        c.firstIndex = firstIndex;
        c.compactedTerm = compactedTerm;
        c.entries = new ArrayList<>(entries);
        c.snapshot = snapshot;
        c.snapshotData = snapshotData;
        c.staging = new ByteArrayOutputStream();
        c.staging.writeBytes(staging.toByteArray());
        c.stagingMeta = stagingMeta;
        c.appliedIndex = appliedIndex;
        c.applied = new ArrayList<>(applied);
        c.appliedPayloads = new HashSet<>(appliedPayloads);
        return c;
    }

    long lastIndex() {
        return firstIndex + entries.size() - 1;
    }

    long term(long index) {
        if (index == firstIndex - 1) {
            return compactedTerm;
        }
        if (index < firstIndex || index > lastIndex()) {
            throw new IllegalArgumentException("term(" + index + ") outside [" + (firstIndex - 1) + "," + lastIndex() + "]");
        }
        return entries.get((int) (index - firstIndex)).term();
    }

    void append(List<Entry> ents) {
        long first = ents.get(0).index();
        if (first < firstIndex || first > lastIndex() + 1) {
            throw new IllegalStateException("append at " + first + " outside [" + firstIndex + "," + (lastIndex() + 1) + "]");
        }
        while (lastIndex() >= first) {
            entries.remove(entries.size() - 1);
        }
        entries.addAll(ents);
    }

    void compact(long index) {
        if (index <= firstIndex - 1) {
            return;
        }
        if (index > lastIndex()) {
            throw new IllegalStateException("compact " + index + " beyond last " + lastIndex());
        }
        long t = term(index);
        entries = new ArrayList<>(entries.subList((int) (index + 1 - firstIndex), entries.size()));
        firstIndex = index + 1;
        compactedTerm = t;
    }

    void stage(io.armada.raft.SnapshotChunk c) {
        if (c.offset() == 0) {
            staging = new ByteArrayOutputStream();
            stagingMeta = c.meta();
        }
        if (!c.meta().equals(stagingMeta) || c.offset() != staging.size()) {
            throw new IllegalStateException("snapshot chunk " + c + " does not continue staging of " + stagingMeta
                    + " at " + staging.size());
        }
        staging.writeBytes(c.data());
    }

    /** Installs the staged snapshot: the state machine becomes its content and the log starts after it. */
    void install(SnapshotMeta meta) {
        if (!meta.equals(stagingMeta)) {
            throw new IllegalStateException("installing " + meta + " but staged " + stagingMeta);
        }
        byte[] data = staging.toByteArray();
        SimStateMachine.Decoded d = SimStateMachine.decode(data);
        if (d.appliedIndex() != meta.index()) {
            throw new IllegalStateException("snapshot data at " + d.appliedIndex() + " but meta says " + meta.index());
        }
        applied = new ArrayList<>(d.applied());
        appliedPayloads = new HashSet<>();
        for (SimStateMachine.Applied a : applied) {
            appliedPayloads.add(a.payload());
        }
        appliedIndex = meta.index();
        snapshot = meta;
        snapshotData = data;
        entries = new ArrayList<>();
        firstIndex = meta.index() + 1;
        compactedTerm = meta.term();
        confState = meta.confState();
        staging = new ByteArrayOutputStream();
        stagingMeta = null;
    }
}
