package io.armada.raft;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * A single-step membership change: it moves one node, so every majority of the old voters overlaps
 * every majority of the new ones and no joint consensus is needed. Each type <em>sets</em> the
 * node's role, so applying a suffix of changes again (after a restart) yields the same membership.
 */
public record ConfChange(ConfChangeType type, long nodeId) {
    private static final int ENCODED_BYTES = 1 + Long.BYTES;

    public ConfChange {
        Objects.requireNonNull(type, "type");
        if (nodeId <= 0) {
            throw new IllegalArgumentException("nodeId must be positive: " + nodeId);
        }
    }

    public enum ConfChangeType {
        /** Makes the node a voter: adds it, or promotes it if it is a learner. */
        ADD_VOTER,
        /** Makes the node a learner: adds it, or demotes it if it is a voter. */
        ADD_LEARNER,
        /** Removes the node from the group. */
        REMOVE_NODE
    }

    /** The payload of a {@link EntryType#CONF_CHANGE} entry: {@code [type:1][nodeId:8]}. */
    public byte[] encode() {
        return ByteBuffer.allocate(ENCODED_BYTES).put((byte) type.ordinal()).putLong(nodeId).array();
    }

    public static ConfChange decode(byte[] data) {
        if (data.length != ENCODED_BYTES || data[0] < 0 || data[0] >= ConfChangeType.values().length) {
            throw new IllegalArgumentException("not a conf change payload (" + data.length + " bytes)");
        }
        ByteBuffer buf = ByteBuffer.wrap(data);
        return new ConfChange(ConfChangeType.values()[buf.get()], buf.getLong());
    }
}
