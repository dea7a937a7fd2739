package io.armada.raft.transport;

/**
 * Moves opaque Raft messages between the nodes of one cluster. The transport knows nothing of
 * Raft: a message is bytes addressed to a node and tagged with the Raft group it belongs to, so an
 * implementation can give every group its own stream and one slow group never delays another.
 *
 * <p>Delivery is best effort. Raft tolerates loss, duplication and reordering, so {@link #send}
 * never blocks the caller: when a peer is unreachable or its queue is full the message is dropped
 * and {@code false} is returned.
 */
public interface Transport extends AutoCloseable {

    /** Starts accepting connections; every message received is handed to {@code handler}. */
    void start(InboundHandler handler);

    /**
     * Queues {@code message} for node {@code toNodeId}. Messages of one group to one peer are
     * delivered in the order sent unless one is dropped.
     *
     * @return false if the message was dropped (unknown peer, queue full, transport closed)
     */
    boolean send(long toNodeId, long groupId, byte[] message);

    /** Closes every connection and stops accepting; pending messages are dropped. */
    @Override
    void close();

    /** Receives messages; called on transport threads, so it must hand work off quickly. */
    @FunctionalInterface
    interface InboundHandler {
        void onMessage(long fromNodeId, long groupId, byte[] message);
    }
}
