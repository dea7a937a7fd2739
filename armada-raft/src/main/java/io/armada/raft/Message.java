package io.armada.raft;

import java.util.List;
import java.util.Objects;

/**
 * A message between the Raft nodes of one group. Unused fields are 0 / empty / null. Field use:
 * <ul>
 *   <li>{@code APPEND}: {@code logTerm}/{@code index} identify the entry before {@code entries};
 *       {@code commit} is the leader's commit index.
 *   <li>{@code APPEND_RESPONSE}: accepted: {@code index} is the follower's last index matching the
 *       leader. Rejected: {@code index} is the rejected probe, {@code rejectHint}/{@code logTerm}
 *       the follower's best guess of the last matching (index, term).
 *   <li>{@code HEARTBEAT}: {@code commit}; {@code context} is the leader's ReadIndex round, echoed in
 *       {@code HEARTBEAT_RESPONSE}.
 *   <li>{@code PRE_VOTE}/{@code VOTE}: {@code logTerm}/{@code index} are the candidate's last
 *       entry; {@code context} is {@link #CAMPAIGN_TRANSFER} when a leader asked for the election.
 *       Responses set {@code reject}.
 *   <li>{@code SNAPSHOT}: {@code snapshot} is one chunk. {@code SNAPSHOT_RESPONSE}: {@code snapshot}
 *       carries the meta and, as offset, the next byte expected; {@code reject} aborts the transfer.
 *   <li>{@code READ_INDEX}: {@code context} is the requester's request id; the response adds
 *       {@code index}, the read index.
 * </ul>
 */
public record Message(
        MessageType type,
        long groupId,
        long from,
        long to,
        long term,
        long logTerm,
        long index,
        List<Entry> entries,
        long commit,
        boolean reject,
        long rejectHint,
        long context,
        SnapshotChunk snapshot) {

    /** {@code context} of a vote request caused by a leadership transfer: it bypasses leases. */
    public static final long CAMPAIGN_TRANSFER = 1;
    /** {@code context} of the first chunk of a new transfer: the follower drops what it received of older ones. */
    public static final long SNAPSHOT_NEW_TRANSFER = 1;
    /** {@code context} of a SNAPSHOT_RESPONSE sent for a chunk beyond the expected offset (one was lost). */
    public static final long SNAPSHOT_GAP = 1;

    public Message {
        Objects.requireNonNull(type, "type");
        entries = entries == null ? List.of() : List.copyOf(entries);
        if (term < 0 || logTerm < 0 || index < 0 || commit < 0 || rejectHint < 0) {
            throw new IllegalArgumentException("negative field in " + type);
        }
        if (snapshot != null && !carriesSnapshot(type)) {
            throw new IllegalArgumentException(type + " cannot carry a snapshot chunk");
        }
    }

    /** Whether messages of {@code type} must carry a {@link SnapshotChunk}. */
    public static boolean carriesSnapshot(MessageType type) {
        return type == MessageType.SNAPSHOT || type == MessageType.SNAPSHOT_RESPONSE;
    }

    /** A message with only the addressing fields set; the core fills the rest through the withers. */
    public static Message of(MessageType type, long groupId, long from, long to, long term) {
        return new Message(type, groupId, from, to, term, 0, 0, List.of(), 0, false, 0, 0, null);
    }

    public Message withLog(long logTerm, long index) {
        return new Message(
                type, groupId, from, to, term, logTerm, index, entries, commit, reject, rejectHint, context, snapshot);
    }

    public Message withEntries(List<Entry> entries) {
        return new Message(
                type, groupId, from, to, term, logTerm, index, entries, commit, reject, rejectHint, context, snapshot);
    }

    public Message withCommit(long commit) {
        return new Message(
                type, groupId, from, to, term, logTerm, index, entries, commit, reject, rejectHint, context, snapshot);
    }

    public Message withReject(long rejectHint) {
        return new Message(
                type, groupId, from, to, term, logTerm, index, entries, commit, true, rejectHint, context, snapshot);
    }

    public Message withContext(long context) {
        return new Message(
                type, groupId, from, to, term, logTerm, index, entries, commit, reject, rejectHint, context, snapshot);
    }

    public Message withSnapshot(SnapshotChunk snapshot) {
        return new Message(
                type, groupId, from, to, term, logTerm, index, entries, commit, reject, rejectHint, context, snapshot);
    }

    /** Bytes of entry and snapshot data carried, for transport limits. */
    public long payloadBytes() {
        long bytes = 0;
        for (Entry e : entries) {
            bytes += e.sizeBytes();
        }
        return snapshot == null ? bytes : bytes + snapshot.data().length;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(type.name())
                .append(' ')
                .append(from)
                .append("->")
                .append(to)
                .append(" g")
                .append(groupId)
                .append(" t")
                .append(term);
        if (logTerm != 0 || index != 0) {
            sb.append(" log=").append(logTerm).append('/').append(index);
        }
        if (!entries.isEmpty()) {
            sb.append(" entries=").append(entries);
        }
        if (commit != 0) {
            sb.append(" commit=").append(commit);
        }
        if (reject) {
            sb.append(" REJECT hint=").append(rejectHint);
        }
        if (context != 0) {
            sb.append(" ctx=").append(context);
        }
        if (snapshot != null) {
            sb.append(' ').append(snapshot);
        }
        return sb.toString();
    }
}
