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
        ADD_VOTER(0),
        /** Makes the node a learner: adds it, or demotes it if it is a voter. */
        ADD_LEARNER(1),
        /** Removes the node from the group. */
        REMOVE_NODE(2);

        /** The type's byte in an encoded change, which lives in Raft logs on disk: a code never changes meaning. */
        private final byte code;

        ConfChangeType(int code) {
            this.code = (byte) code;
        }

        static ConfChangeType ofCode(byte code) {
            for (ConfChangeType t : values()) {
                if (t.code == code) {
                    return t;
                }
            }
            return null;
        }
    }

    /** The payload of a {@link EntryType#CONF_CHANGE} entry: {@code [type:1][nodeId:8]}. */
    public byte[] encode() {
        return ByteBuffer.allocate(ENCODED_BYTES).put(type.code).putLong(nodeId).array();
    }

    public static ConfChange decode(byte[] data) {
        ConfChangeType type = data.length == ENCODED_BYTES ? ConfChangeType.ofCode(data[0]) : null;
        if (type == null) {
            throw new IllegalArgumentException("not a conf change payload (" + data.length + " bytes)");
        }
        return new ConfChange(type, ByteBuffer.wrap(data, 1, Long.BYTES).getLong());
    }
}
