package io.armada.raft.engine;

/** A proposal's outcome: committed by a quorum and applied at {@code index}; {@code result} is the state machine's answer. */
public record AppliedProposal(long index, long term, Object result) {}
