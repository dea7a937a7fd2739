package io.armada.raft.sim;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What the node's table store holds for one group's state machine: every applied NORMAL entry in
 * order, and the applied index, written together by each apply (one RocksDB batch) but, like the
 * table store's WAL, not synced.
 */
final class MachineState {
    /** Whether the table exists in the store ({@code TableStore.createTable}); a state only read is not a table. */
    boolean created;

    long appliedIndex;
    ArrayList<SimStateMachine.Applied> applied = new ArrayList<>();
    Set<Long> appliedPayloads = new HashSet<>();

    MachineState copy() {
        MachineState c = new MachineState();
        c.created = created;
        c.appliedIndex = appliedIndex;
        c.applied = new ArrayList<>(applied);
        c.appliedPayloads = new HashSet<>(appliedPayloads);
        return c;
    }

    /** Replaces the whole content with a snapshot's. */
    void restore(SimStateMachine.Decoded snapshot) {
        appliedIndex = snapshot.appliedIndex();
        applied = new ArrayList<>(snapshot.applied());
        appliedPayloads = new HashSet<>();
        for (SimStateMachine.Applied a : applied) {
            appliedPayloads.add(a.payload());
        }
    }

    List<SimStateMachine.Applied> applied() {
        return applied;
    }
}
