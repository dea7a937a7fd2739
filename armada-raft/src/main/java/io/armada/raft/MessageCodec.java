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

    private MessageCodec() {}

    public static byte[] encode(Message m) {
        RaftMessage.Builder b = RaftMessage.newBuilder()
                .setType(RaftMessageType.forNumber(m.type().ordinal() + 1))
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
                    .setType(RaftEntryType.forNumber(e.type().ordinal() + 1))
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
        int type = p.getTypeValue();
        if (type < 1 || type > MessageType.values().length) {
            throw new IllegalArgumentException("unknown raft message type " + type);
        }
        List<Entry> entries = new ArrayList<>(p.getEntriesCount());
        for (RaftEntry e : p.getEntriesList()) {
            int et = e.getTypeValue();
            if (et < 1 || et > EntryType.values().length) {
                throw new IllegalArgumentException("unknown entry type " + et);
            }
            entries.add(new Entry(e.getTerm(), e.getIndex(), EntryType.values()[et - 1], bytesOf(e.getData())));
        }
        SnapshotChunk chunk = null;
        if (Message.carriesSnapshot(MessageType.values()[type - 1]) != p.hasSnapshot()) {
            throw new IllegalArgumentException("snapshot chunk missing or misplaced in a " + MessageType.values()[type - 1]);
        }
        if (p.hasSnapshot()) {
            RaftSnapshotChunk c = p.getSnapshot();
            chunk = new SnapshotChunk(decodeMeta(c.getMeta()), c.getOffset(), bytesOf(c.getData()), c.getLast());
        }
        return new Message(MessageType.values()[type - 1], p.getGroupId(), p.getFrom(), p.getTo(), p.getTerm(),
                p.getLogTerm(), p.getIndex(), entries, p.getCommit(), p.getReject(), p.getRejectHint(),
                p.getContext(), chunk);
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
        ConfState conf = ConfState.of(meta.getConfState().getVotersList(), meta.getConfState().getLearnersList());
        return new SnapshotMeta(meta.getIndex(), meta.getTerm(), conf);
    }

    private static byte[] bytesOf(ByteString s) {
        return s.isEmpty() ? new byte[0] : s.toByteArray();
    }
}
