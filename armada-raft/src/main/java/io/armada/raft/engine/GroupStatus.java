package io.armada.raft.engine;

import io.armada.raft.RaftRole;

/** What other threads may read of a group: published by its worker after every round. */
public record GroupStatus(long groupId, RaftRole role, long leaderId, long term, long commitIndex, long appliedIndex) {}
