package io.armada.raft;

import java.util.Collection;
import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The membership of a group: voters elect and count for commit quorums; learners only receive the
 * log. Sets are sorted so iteration (and so every message the core emits) is deterministic.
 */
public record ConfState(SortedSet<Long> voters, SortedSet<Long> learners) {
    public static final ConfState EMPTY = new ConfState(new TreeSet<>(), new TreeSet<>());

    public ConfState {
        voters = Collections.unmodifiableSortedSet(new TreeSet<>(voters));
        learners = Collections.unmodifiableSortedSet(new TreeSet<>(learners));
        for (long id : voters) {
            if (id <= 0) {
                throw new IllegalArgumentException("node ids are positive: " + id);
            }
            if (learners.contains(id)) {
                throw new IllegalArgumentException("node " + id + " is both voter and learner");
            }
        }
        for (long id : learners) {
            if (id <= 0) {
                throw new IllegalArgumentException("node ids are positive: " + id);
            }
        }
    }

    public static ConfState of(Collection<Long> voters, Collection<Long> learners) {
        return new ConfState(new TreeSet<>(voters), new TreeSet<>(learners));
    }

    public static ConfState ofVoters(Long... voters) {
        return of(java.util.List.of(voters), java.util.List.of());
    }

    public boolean isMember(long nodeId) {
        return voters.contains(nodeId) || learners.contains(nodeId);
    }

    /** This configuration after {@code change}; each change moves one node, so quorums of the two overlap. */
    public ConfState apply(ConfChange change) {
        TreeSet<Long> v = new TreeSet<>(voters);
        TreeSet<Long> l = new TreeSet<>(learners);
        long id = change.nodeId();
        v.remove(id);
        l.remove(id);
        switch (change.type()) {
            case ADD_VOTER -> v.add(id);
            case ADD_LEARNER -> l.add(id);
            case REMOVE_NODE -> {}
        }
        return new ConfState(v, l);
    }
}
