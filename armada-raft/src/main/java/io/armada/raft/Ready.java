package io.armada.raft;

import java.util.List;

/**
 * Everything one group needs done, in this order (the core relies on it):
 * <ol>
 *   <li><b>Send</b> {@link #messagesBeforePersist()}: a leader's appends, which need not wait for
 *       its own disk (Raft thesis §10.2.1).
 *   <li><b>Persist</b>, synced when {@link #mustSync()}: stage {@link #snapshotChunks()}; if
 *       {@link #snapshot()} is set, install the staged snapshot into the state machine and reset
 *       the log to start after it; append {@link #entries()} (deleting any stored entries at or
 *       after the first one's index first); store {@link #hardState()} and {@link #confState()}.
 *   <li><b>Send</b> {@link #messages()} (they may promise what was just persisted).
 *   <li><b>Apply</b> {@link #committedEntries()} in order ({@code NOOP} and {@code CONF_CHANGE}
 *       entries only advance the applied index); answer {@link #readStates()} once applied
 *       reaches their index.
 *   <li>Call {@link RaftGroup#advance(Ready)}.
 * </ol>
 * Null fields mean "unchanged"; lists are never null.
 *
 * @param softState role/leader, when changed
 * @param hardState term/vote/commit, when changed
 * @param mustSync whether step 1 must be durable before step 2 (false when only the commit index moved)
 * @param snapshotChunks inbound chunks of a snapshot under transfer, to stage; a chunk at offset 0
 *     starts a new transfer and discards any earlier staging
 * @param snapshot an inbound snapshot completely staged, to install
 * @param entries log entries to append
 * @param confState the membership after {@code committedEntries}, when they change it
 * @param committedEntries entries to apply (they may include some of {@code entries})
 * @param messagesBeforePersist a leader's appends, to send before step 1: followers persist while the leader
 *     does. Safe because the core counts the leader's own entries toward a commit only after
 *     {@code advance}. Empty unless the node leads and has applied every configuration change in its
 *     log: a node that applied its own removal never campaigns again, so it must never hold entries
 *     the leader could lose in a crash while the other voters still need its vote.
 * @param messages to send once persisted
 * @param readStates answered ReadIndex requests of this node
 */
public record Ready(
        SoftState softState,
        HardState hardState,
        boolean mustSync,
        List<SnapshotChunk> snapshotChunks,
        SnapshotMeta snapshot,
        List<Entry> entries,
        ConfState confState,
        List<Entry> committedEntries,
        List<Message> messagesBeforePersist,
        List<Message> messages,
        List<ReadState> readStates) {

    public Ready {
        snapshotChunks = List.copyOf(snapshotChunks);
        entries = List.copyOf(entries);
        committedEntries = List.copyOf(committedEntries);
        messagesBeforePersist = List.copyOf(messagesBeforePersist);
        messages = List.copyOf(messages);
        readStates = List.copyOf(readStates);
    }

    /** Every message, the ones that may precede the persist first (for a caller that sends all after it). */
    public List<Message> allMessages() {
        if (messagesBeforePersist.isEmpty()) {
            return messages;
        }
        List<Message> all = new java.util.ArrayList<>(messagesBeforePersist);
        all.addAll(messages);
        return all;
    }

    /** Whether step 1 has anything to write at all. */
    public boolean hasPersistWork() {
        return hardState != null
                || confState != null
                || snapshot != null
                || !entries.isEmpty()
                || !snapshotChunks.isEmpty();
    }
}
