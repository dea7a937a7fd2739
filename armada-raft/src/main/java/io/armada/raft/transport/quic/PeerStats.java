package io.armada.raft.transport.quic;

/**
 * Counters of one peer link since the transport started.
 *
 * @param peerId the peer
 * @param connected whether a verified connection is up right now
 * @param sentMessages messages handed to QUIC (written to a group stream)
 * @param sentBytes payload bytes of those messages
 * @param droppedMessages messages refused by {@code send} (no connection, queue full) or discarded
 *     unsent when their connection closed
 * @param receivedMessages messages delivered to the inbound handler
 * @param receivedBytes payload bytes of those messages
 * @param connections verified connections established (dialed or accepted)
 * @param failedDials dial attempts that did not yield a verified connection
 * @param dialAttempts dials started (dialing side only), whatever became of them
 * @param queuedMessages messages accepted by {@code send} and not yet handed to QUIC
 * @param queuedBytes payload bytes of those messages
 */
public record PeerStats(
        long peerId,
        boolean connected,
        long sentMessages,
        long sentBytes,
        long droppedMessages,
        long receivedMessages,
        long receivedBytes,
        long connections,
        long failedDials,
        long dialAttempts,
        int queuedMessages,
        long queuedBytes) {}
