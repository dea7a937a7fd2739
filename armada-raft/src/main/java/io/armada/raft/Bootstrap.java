package io.armada.raft;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * The initial state of a new group on each of its founding members: one committed ADD_VOTER
 * entry per voter at term 1, so a node added later learns the founding membership from the log
 * like any other change. The engine persists it once, before the first {@link RaftGroup#open}.
 * Nodes added later start empty ({@link HardState#EMPTY}, {@link ConfState#EMPTY}, no entries).
 */
public record Bootstrap(HardState hardState, ConfState confState, List<Entry> entries) {

    public static Bootstrap of(Collection<Long> voters) {
        if (voters.isEmpty()) {
            throw new IllegalArgumentException("a group needs at least one voter");
        }
        List<Entry> entries = new ArrayList<>();
        long index = 0;
        for (long id : new TreeSet<>(voters)) {
            entries.add(new Entry(
                    1,
                    ++index,
                    EntryType.CONF_CHANGE,
                    new ConfChange(ConfChange.ConfChangeType.ADD_VOTER, id).encode()));
        }
        return new Bootstrap(new HardState(1, 0, index), ConfState.of(voters, List.of()), List.copyOf(entries));
    }
}
