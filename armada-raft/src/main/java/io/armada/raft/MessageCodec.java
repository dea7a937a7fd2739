package io.armada.raft;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import io.armada.internal.v1.RaftConfState;
import io.armada.internal.v1.RaftEntry;
import io.armada.internal.v1.RaftEntryType;
import io.armada.internal.v1.RaftMessage;
import io.armada.internal.v1.RaftMessageType;
import io.armada.internal.v1.RaftSnapshotChunk;
import io.armada.internal.v1.RaftSnapshotMeta;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns {@link Message} into bytes and back with the {@code armada.internal.v1.RaftMessage}
 * protobuf. Entry and snapshot data are wrapped, not copied, on encode; decoding validates every
 * field the records check, so a corrupt message fails here, not inside the core.
 */
public final class MessageCodec {
    /** Largest message accepted; a bigger one is corrupt or hostile (one entry may exceed maxSizePerMsg). */
    public static final int MAX_MESSAGE_BYTES = 64 << 20;

    /*
     * The core's types and the wire's are paired by name (RAFT_MESSAGE_TYPE_APPEND is APPEND), never by
     * position, so reordering either enum cannot change what travels; a type without its pair fails here.
     */
    private static final java.util.Map<MessageType, RaftMessageType> WIRE_MESSAGE_TYPES =
            paired(MessageType.class, RaftMessageType.class, "RAFT_MESSAGE_TYPE_");
    private static final java.util.Map<RaftMessageType, MessageType> MESSAGE_TYPES = inverse(WIRE_MESSAGE_TYPES);
    private static final java.util.Map<EntryType, RaftEntryType> WIRE_ENTRY_TYPES =
            paired(EntryType.class, RaftEntryType.class, "RAFT_ENTRY_TYPE_");
    private static final java.util.Map<RaftEntryType, EntryType> ENTRY_TYPES = inverse(WIRE_ENTRY_TYPES);

    private MessageCodec() {}

    private static <C extends Enum<C>, W extends Enum<W>> java.util.Map<C, W> paired(
            Class<C> core, Class<W> wire, String prefix) {
        java.util.EnumMap<C, W> map = new java.util.EnumMap<>(core);
        for (C c : core.getEnumConstants()) {
            map.put(c, Enum.valueOf(wire, prefix + c.name()));
        }
        return map;
    }

    private static <C extends Enum<C>, W extends Enum<W>> java.util.Map<W, C> inverse(java.util.Map<C, W> map) {
        java.util.Map<W, C> inverse = new java.util.HashMap<>();
        map.forEach((c, w) -> inverse.put(w, c));
        return java.util.Map.copyOf(inverse);
    }

    public static byte[] encode(Message m) {
        RaftMessage.Builder b = RaftMessage.newBuilder()
                .setType(WIRE_MESSAGE_TYPES.get(m.type()))
                .setGroupId(m.groupId())
                .setFrom(m.from())
                .setTo(m.to())
                .setTerm(m.term())
                .setLogTerm(m.logTerm())
                .setIndex(m.index())
                .setCommit(m.commit())
                .setReject(m.reject())
                .setRejectHint(m.rejectHint())
                .setContext(m.context());
        for (Entry e : m.entries()) {
            b.addEntries(RaftEntry.newBuilder()
                    .setTerm(e.term())
                    .setIndex(e.index())
                    .setType(WIRE_ENTRY_TYPES.get(e.type()))
                    .setData(UnsafeByteOperations.unsafeWrap(e.data())));
        }
        if (m.snapshot() != null) {
            SnapshotChunk c = m.snapshot();
            b.setSnapshot(RaftSnapshotChunk.newBuilder()
                    .setMeta(encodeMeta(c.meta()))
                    .setOffset(c.offset())
                    .setData(UnsafeByteOperations.unsafeWrap(c.data()))
                    .setLast(c.last()));
        }
        byte[] bytes = b.build().toByteArray();
        if (bytes.length > MAX_MESSAGE_BYTES) {
            throw new IllegalArgumentException("message of " + bytes.length + " bytes exceeds " + MAX_MESSAGE_BYTES);
        }
        return bytes;
    }

    /** Decodes a message; throws IllegalArgumentException if the bytes are not a valid one. */
    public static Message decode(byte[] bytes) {
        if (bytes.length > MAX_MESSAGE_BYTES) {
            throw new IllegalArgumentException("message of " + bytes.length + " bytes exceeds " + MAX_MESSAGE_BYTES);
        }
        RaftMessage p;
        try {
            p = RaftMessage.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("not a raft message: " + e.getMessage(), e);
        }
        MessageType type = MESSAGE_TYPES.get(p.getType());
        if (type == null) {
            throw new IllegalArgumentException("unknown raft message type " + p.getTypeValue());
        }
        List<Entry> entries = new ArrayList<>(p.getEntriesCount());
        for (RaftEntry e : p.getEntriesList()) {
            EntryType et = ENTRY_TYPES.get(e.getType());
            if (et == null) {
                throw new IllegalArgumentException("unknown entry type " + e.getTypeValue());
            }
            entries.add(new Entry(e.getTerm(), e.getIndex(), et, bytesOf(e.getData())));
        }
        SnapshotChunk chunk = null;
        if (Message.carriesSnapshot(type) != p.hasSnapshot()) {
            throw new IllegalArgumentException("snapshot chunk missing or misplaced in a " + type);
        }
        if (p.hasSnapshot()) {
            RaftSnapshotChunk c = p.getSnapshot();
            chunk = new SnapshotChunk(decodeMeta(c.getMeta()), c.getOffset(), bytesOf(c.getData()), c.getLast());
        }
        return new Message(
                type,
                p.getGroupId(),
                p.getFrom(),
                p.getTo(),
                p.getTerm(),
                p.getLogTerm(),
                p.getIndex(),
                entries,
                p.getCommit(),
                p.getReject(),
                p.getRejectHint(),
                p.getContext(),
                chunk);
    }

    public static RaftSnapshotMeta encodeMeta(SnapshotMeta meta) {
        return RaftSnapshotMeta.newBuilder()
                .setIndex(meta.index())
                .setTerm(meta.term())
                .setConfState(RaftConfState.newBuilder()
                        .addAllVoters(meta.confState().voters())
                        .addAllLearners(meta.confState().learners()))
                .build();
    }

    public static SnapshotMeta decodeMeta(RaftSnapshotMeta meta) {
        ConfState conf = ConfState.of(
                meta.getConfState().getVotersList(), meta.getConfState().getLearnersList());
        return new SnapshotMeta(meta.getIndex(), meta.getTerm(), conf);
    }

    private static byte[] bytesOf(ByteString s) {
        return s.isEmpty() ? new byte[0] : s.toByteArray();
    }
}
