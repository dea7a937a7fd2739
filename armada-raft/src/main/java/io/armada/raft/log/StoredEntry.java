package io.armada.raft.log;

/** One stored log entry: its position, its term, and the engine's encoding of the rest. */
public record StoredEntry(long index, long term, byte[] payload) {}
