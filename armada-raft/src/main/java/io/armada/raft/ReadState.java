package io.armada.raft;

/**
 * The answer to {@link RaftGroup#readIndex}: once this node has applied {@code index}, a read of
 * its state machine is linearizable for request {@code requestId}.
 */
public record ReadState(long requestId, long index) {}
