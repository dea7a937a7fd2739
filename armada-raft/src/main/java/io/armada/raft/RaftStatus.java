package io.armada.raft;

/**
 * A consistent view of one group on this node, for metrics, routing and snapshots.
 *
 * @param appliedIndex last index handed out for applying and acknowledged by {@link RaftGroup#advance}
 * @param confState membership after every entry up to {@code appliedIndex}; a state-machine
 *     snapshot taken at {@code appliedIndex} records exactly this
 * @param leadTransferee node a transfer is under way to, 0 if none
 */
public record RaftStatus(
        long groupId,
        long nodeId,
        RaftRole role,
        long term,
        long leaderId,
        long commitIndex,
        long appliedIndex,
        long lastIndex,
        ConfState confState,
        long leadTransferee) {}
